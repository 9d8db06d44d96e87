"""Partner portals, supervisor dispatch pages and the residents' rating link."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from agent_ui.portal.partner import department_bp, merchant_bp
    from agent_ui.portal.rate import bp as rate_bp
    from agent_ui.portal.supervise import bp as supervise_bp

    app.register_blueprint(merchant_bp, url_prefix="/portal/m")
    app.register_blueprint(department_bp, url_prefix="/portal/d")
    app.register_blueprint(supervise_bp, url_prefix="/portal/supervise")
    app.register_blueprint(rate_bp)
