"""Operations and app-wide hardening: /healthz, /metrics, security headers, sessions, limits."""
from __future__ import annotations

from flask import Flask

from callcenter.bootstrap import Container


def init_ops(app: Flask, container: Container) -> None:
    """Register the ops endpoints and the security layer (called once by create_app)."""
    from agent_ui.extensions import csrf
    from agent_ui.ops.routes import bp

    app.register_blueprint(bp)
    csrf.exempt(bp)
