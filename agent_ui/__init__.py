"""The web application for every audience: `create_app(settings)`."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from agent_ui.extensions import csrf
from agent_ui.i18n import current_language, translate
from callcenter.bootstrap import Container, build
from callcenter.config import Settings


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    settings = settings or (container.settings if container else Settings.from_env())
    container = container or build(settings)
    app = Flask(__name__, instance_path=None)
    app.config.update(
        SECRET_KEY=settings.effective_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
    )
    app.extensions["callcenter"] = container
    if settings.trusted_proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops,
                                x_proto=settings.trusted_proxy_hops,
                                x_host=settings.trusted_proxy_hops,
                                x_port=settings.trusted_proxy_hops)
    csrf.init_app(app)
    from agent_ui.input_guard import init_input_guard
    init_input_guard(app)
    _register_blueprints(app)
    _register_twilio_voice(app, container)
    from agent_ui.ops import init_ops
    init_ops(app, container)
    from agent_ui.sockets import init_realtime
    init_realtime(app, container)
    app.jinja_env.globals.update(_=translate, lang=current_language)
    app.teardown_appcontext(_close_session)
    return app


def _register_blueprints(app: Flask) -> None:
    from agent_ui.api.routes import bp as api_bp
    from agent_ui.auth.routes import bp as auth_bp
    from agent_ui.main.routes import bp as main_bp
    import agent_ui.api.partner  # noqa: F401 - adds the dispatch routes to the API blueprint
    from agent_ui.portal import register as register_portal

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    register_portal(app)
    from agent_ui.console.routes import bp as console_bp
    from agent_ui.wallboard.routes import bp as wallboard_bp
    app.register_blueprint(console_bp, url_prefix="/console")
    app.register_blueprint(wallboard_bp, url_prefix="/wallboard")
    csrf.exempt(api_bp)  # the API checks CSRF itself for cookie sessions; tokens need none
    from agent_ui.hall import init_public
    init_public(app)  # online hall, community portal, Open311, fax work list
    from agent_ui.admin.routes import bp as admin_bp
    from agent_ui.catalog.routes import bp as catalog_bp
    from agent_ui.residents.routes import bp as residents_bp
    app.register_blueprint(residents_bp, url_prefix="/residents")
    app.register_blueprint(catalog_bp)  # /guide (public) and /catalog (staff)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from agent_ui.stats.routes import bp as stats_bp
    app.register_blueprint(stats_bp)  # /stats: dashboards, drill-down, queries, exports


def _register_twilio_voice(app: Flask, container: Container) -> None:
    """Twilio Voice webhooks render the hotline menu as TwiML; Twilio signs, so no CSRF."""
    from ivr import twiml
    from ivr.directory import GuardedDirectory
    from ivr.store_after_hours import StoreAfterHours
    from ivr.store_directory import StoreDirectory

    app.register_blueprint(twiml.bp, url_prefix="/twilio/voice")
    twiml.init_app(app, GuardedDirectory(StoreDirectory(container.sessions)),
                   container.settings.twilio_auth_token,
                   after_hours=StoreAfterHours(container.sessions, container.settings.instance_path,
                                               container.events))
    csrf.exempt(twiml.bp)


def _close_session(_exc) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
