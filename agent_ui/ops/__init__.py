"""Operations and app-wide hardening: /healthz, /metrics, security headers, sessions,
log-in limits, two-step log-in, the audit log viewer."""
from __future__ import annotations

from flask import Flask

from callcenter.bootstrap import Container


def init_ops(app: Flask, container: Container) -> None:
    """Register the ops endpoints and the security layer (called once by create_app)."""
    from agent_ui.extensions import csrf
    from agent_ui.ops import account, audit, messages, routes, twofactor
    from agent_ui.security import init_security
    from callcenter.ops.config import OpsSettings
    from callcenter.ops.logs import configure_from_env

    configure_from_env()  # JSON logs when LOG_FORMAT is set (compose sets it)
    messages.install()
    app.register_blueprint(routes.bp)
    csrf.exempt(routes.bp)  # GET only, for monitoring
    for blueprint in (account.bp, audit.bp, twofactor.bp):
        app.register_blueprint(blueprint)
    init_security(app, OpsSettings.from_env())
    twofactor.wrap_login(app)
