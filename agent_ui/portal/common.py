"""Plumbing shared by the portal blueprints: the actor, messaging, the post-commit kick."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time

from flask import render_template

from agent_ui.portal.strings import t
from agent_ui.web import container, current_user, db
from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import Actor, NotFoundError, TicketError, ValidationError
from callcenter.services.accounts import actor_for


def actor() -> Actor:
    return actor_for(current_user())


def messaging():
    return container().extras["dispatcher"].messaging


@contextmanager
def write():
    """One write transaction; the read the log-in check began is ended first."""
    session = db()
    if session.in_transaction():
        session.commit()
    with session.begin():
        yield session


def kick() -> None:
    """After a commit that wrote outbox rows: hand them to the queue now."""
    container().extras["dispatcher"].kick()


def parse_day(raw: str | None, field: str = "deadline") -> datetime:
    """A date (YYYY-MM-DD) means the end of that day in Shanghai; a full ISO time is kept."""
    raw = (raw or "").strip()
    try:
        if len(raw) == 10:
            return datetime.combine(datetime.fromisoformat(raw).date(), time(23, 59, 59), SHANGHAI)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD) or an ISO time", field) from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def on_ticket_error(exc: TicketError):
    db().rollback()
    status = 404 if isinstance(exc, NotFoundError) else exc.status
    message = t("not_found") if isinstance(exc, NotFoundError) else exc.message
    return render_template("portal/error.html", message=message, t=t), status
