"""Plumbing shared by the records blueprints: the actor, and service errors as pages."""
from __future__ import annotations

from flask import Blueprint, render_template

import agent_ui.residents.messages  # noqa: F401 - merges the records strings into MESSAGES
from agent_ui.web import current_user, db
from callcenter.domain.tickets import Actor, TicketError
from callcenter.services.accounts import actor_for


def actor() -> Actor:
    return actor_for(current_user())


def handle_service_errors(bp: Blueprint) -> None:
    """Forbidden → 403, not found (or out of scope) → 404, bad input → 400, as a page."""
    @bp.errorhandler(TicketError)
    def _service_error(exc: TicketError):
        db().rollback()
        return render_template("residents/error.html", error=exc), exc.status


def form_errors(form) -> str:
    return "；".join(f"{getattr(form, name).label.text}: {'，'.join(errs)}"
                    for name, errs in form.errors.items())
