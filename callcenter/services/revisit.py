"""Revisit (回访) and satisfaction: the call-back list, scores from an agent, the IVR
survey or the SMS link, the providers' ratings, and reopening unsatisfied tickets."""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from callcenter.domain.tickets import Actor, InvalidTransitionError, NotFoundError, ValidationError
from callcenter.models import Provider, Revisit, Ticket
from callcenter.models.base import utcnow
from callcenter.ports import EventPublisher
from callcenter.services.notifications import Messaging
from callcenter.services.ticket_queries import scope_clause
from callcenter.services.tickets import apply_action, get_ticket

SOURCES = ("agent", "ivr", "sms")
RATING_WINDOW = 50  # a provider's rating is the mean of its latest scores


def rate_token(secret: str, number: str) -> str:
    sig = hmac.new(secret.encode(), f"rate:{number}".encode(), hashlib.sha256).digest()[:12]
    return f"{number}.{base64.urlsafe_b64encode(sig).decode().rstrip('=')}"


def verify_token(secret: str, token: str) -> str | None:
    """The ticket number a rating link was made for, or None for a forged or broken link."""
    number = (token or "").rsplit(".", 1)[0]
    if not number or len(token) > 80:
        return None
    return number if hmac.compare_digest(rate_token(secret, number), token) else None


def rate_link(messaging: Messaging, number: str) -> str:
    return f"{messaging.base_url}/rate/{rate_token(messaging.secret_key, number)}"


def due_revisits(session: Session, actor: Actor, *, now: datetime | None = None,
                 calendar: WorkingCalendar = DEFAULT_CALENDAR, limit: int = 500) -> list[Ticket]:
    """Resolved tickets from the working day after their resolution on, oldest first."""
    now = now or utcnow()
    rows = session.scalars(select(Ticket).where(scope_clause(actor), Ticket.status == "resolved")
                           .order_by(Ticket.resolved_at, Ticket.id).limit(limit)).all()
    return [t for t in rows if t.resolved_at and revisit_from(t.resolved_at, calendar) <= now]


def revisit_from(resolved_at: datetime, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> datetime:
    day = calendar.next_workday(resolved_at.astimezone(calendar.tz).date())
    return datetime.combine(day, time(0), calendar.tz)


def record_revisit(session: Session, actor: Actor, number: str, score: int, note: str = "", *,
                   source: str = "agent", now: datetime | None = None,
                   events: EventPublisher | None = None) -> Ticket:
    """Record a 1–5 score; the ticket becomes `revisited` and the provider's rating moves."""
    now = now or utcnow()
    if source not in SOURCES:
        raise ValidationError(f"source must be one of {', '.join(SOURCES)}", "source")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError("note is longer than 2000 characters", "note")
    before = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    provider_id = before.target_provider_id if before else None
    department_id = before.target_department_id if before else None
    ticket = apply_action(session, actor, number, "revisit", {"score": score, "note": note},
                          now=now, events=events)
    session.add(Revisit(ticket_id=ticket.id, provider_id=provider_id, department_id=department_id,
                        score=score, note=note, source=source, recorded_by_id=actor.user_id, at=now))
    session.flush()
    if provider_id is not None:
        update_rating(session, provider_id)
    return ticket


def record_survey(session: Session, number: str, score: int, source: str, *,
                  now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """A score from the IVR survey or the SMS link: recorded on the hotline's behalf."""
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        raise NotFoundError("ticket not found")
    if ticket.status != "resolved":
        raise InvalidTransitionError("this ticket has already been rated or is not resolved")
    system = Actor(user_id=None, role="agent", region_path=ticket.region_path)
    return record_revisit(session, system, number, score, f"({source})", source=source, now=now,
                          events=events)


def update_rating(session: Session, provider_id: int) -> float:
    scores = select(Revisit.score).where(Revisit.provider_id == provider_id) \
        .order_by(Revisit.at.desc(), Revisit.id.desc()).limit(RATING_WINDOW).subquery()
    mean = session.scalar(select(func.avg(scores.c.score)))
    provider = session.get(Provider, provider_id)
    if mean is not None and provider is not None:
        provider.rating = round(float(mean), 2)
    return provider.rating if provider else 0.0


def reopen_unsatisfied(session: Session, actor: Actor, number: str, reason: str, *,
                       now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """A supervisor sends an unsatisfied (1–2) ticket back to be handled again."""
    ticket = get_ticket(session, actor, number)
    if ticket.status == "revisited" and (ticket.satisfaction or 5) > 2:
        raise ValidationError("only unsatisfied tickets (score 1–2) are reopened from revisit",
                              "score")
    return apply_action(session, actor, number, "reopen", {"reason": reason}, now=now,
                        events=events)
