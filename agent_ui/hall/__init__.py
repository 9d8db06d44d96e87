"""Public web (online service hall, community portal, Open311) and the agents' fax pages.

`init_public(app)` is the one call create_app makes: it installs the UI strings, the
rate limiter (in memory, or Redis when REDIS_URL is set) and the blueprints.
"""
from __future__ import annotations

from flask import Flask


def init_public(app: Flask) -> None:
    from agent_ui.community.routes import bp as community_bp
    from agent_ui.extensions import csrf
    from agent_ui.fax.routes import bp as fax_bp
    from agent_ui.hall import common, messages
    from agent_ui.hall.routes import bp as hall_bp
    from agent_ui.open311.routes import bp as open311_bp

    messages.install()
    common.init_limiter(app)
    app.context_processor(common.public_context)
    app.add_template_filter(common.local_time, "local_time")
    app.add_template_filter(common.local_date, "local_date")
    app.register_blueprint(hall_bp, url_prefix="/hall")
    app.register_blueprint(community_bp, url_prefix="/community")
    app.register_blueprint(fax_bp, url_prefix="/fax")
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    csrf.exempt(open311_bp)  # machine clients authenticate with api_key, not cookies
