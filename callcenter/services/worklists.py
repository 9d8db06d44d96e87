"""An agent's work lists: my open tickets, tickets due for 回访, missed calls to call back.

Missed calls are the stored call records of the agent's queues that ended `abandoned`
or `missed` in the last days and that nobody has marked handled; marking writes an
audit entry (who, when), which is also what takes the call off every agent's list.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from callcenter.domain.phones import mask, try_normalize
from callcenter.domain.tickets import Actor, ValidationError
from callcenter.models import AuditEntry, Ticket
from callcenter.models.base import utcnow
from callcenter.models.calls import CallRecord
from callcenter.ports import EventPublisher
from callcenter.services import audit
from callcenter.services.revisit import due_revisits, record_revisit as _record_revisit
from callcenter.services.ticket_queries import scope_clause

OPEN_STATES = ("open", "dispatched", "accepted", "returned")
MISSED = ("abandoned", "missed", "callback")  # callback: asked for in the IVR (after_hours.py)
MISSED_DAYS = 3
HANDLED = "callback_handled"
MAX_BULK = 200


def for_agent(session: Session, actor: Actor, queues: list[str], *,
              now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    return {"mine": [_ticket(t) for t in my_open_tickets(session, actor)],
            "revisits": [_ticket(t, with_phone=True) for t in due_revisits(session, actor, now=now,
                                                                        limit=50)],
            "missed": [_call(c) for c in missed_calls(session, queues, now=now)]}


def my_open_tickets(session: Session, actor: Actor, limit: int = 50) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(
        Ticket.created_by_id == actor.user_id, Ticket.status.in_(OPEN_STATES), scope_clause(actor))
        .order_by(Ticket.created_at.desc()).limit(limit)))


def missed_calls(session: Session, queues: list[str], *, now: datetime | None = None,
                 limit: int = 100) -> list[CallRecord]:
    if not queues:
        return []
    now = now or utcnow()
    handled = select(AuditEntry.record_id).where(AuditEntry.record_type == "call_record",
                                                 AuditEntry.action == HANDLED)
    return list(session.scalars(select(CallRecord).where(
        _of_queues(queues), CallRecord.disposition.in_(MISSED),
        CallRecord.started_at >= now - timedelta(days=MISSED_DAYS), CallRecord.id.not_in(handled))
        .order_by(CallRecord.started_at.desc()).limit(limit)))


def _of_queues(queues: list[str]):
    """The agent's queues, plus after-hours call-back requests, which belong to no queue."""
    return or_(CallRecord.queue.in_(queues),
               and_(CallRecord.queue.is_(None), CallRecord.disposition == "callback"))


def _mine(c: CallRecord, queues: list[str]) -> bool:
    return c.queue in queues or (c.queue is None and c.disposition == "callback")


def mark_missed_handled(session: Session, actor: Actor, queues: list[str], ids: object) -> int:
    """Mark one or many missed calls of the agent's queues handled; others are refused."""
    if not isinstance(ids, list) or not ids or len(ids) > MAX_BULK or \
            not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationError(f"ids must be a list of 1 to {MAX_BULK} call ids", "ids")
    rows = session.scalars(select(CallRecord).where(CallRecord.id.in_(ids))).all()
    if len(rows) != len(set(ids)) or any(not _mine(r, queues) or r.disposition not in MISSED
                                         for r in rows):
        raise ValidationError("some of these calls are not missed calls of your queues", "ids")
    done = set(session.scalars(select(AuditEntry.record_id).where(
        AuditEntry.record_type == "call_record", AuditEntry.action == HANDLED,
        AuditEntry.record_id.in_(ids))))
    for row in rows:
        if row.id not in done:
            audit.record(session, actor, HANDLED, "call_record", row.id, linkedid=row.linkedid)
    return len(rows) - len(done)


def record_revisit(session: Session, actor: Actor, number: str, score: object, note: str, *,
                   events: EventPublisher | None = None) -> dict[str, Any]:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError("score must be an integer from 1 to 5", "score")
    ticket = _record_revisit(session, actor, number, score, note, events=events)
    return {"number": ticket.number, "status": ticket.status, "satisfaction": ticket.satisfaction}


def _ticket(t: Ticket, with_phone: bool = False) -> dict[str, Any]:
    out = {"number": t.number, "status": t.status, "type": t.type,
           "category": t.category.name if t.category else "", "address": t.address,
           "created_at": t.created_at.isoformat(), "resident": t.resident.name if t.resident else ""}
    if with_phone:  # the agent dials by clicking; the number itself stays masked on screen
        out["phone_masked"] = mask(t.caller_phone) if t.caller_phone else ""
        out["has_phone"] = bool(t.caller_phone)
    return out


def _call(c: CallRecord) -> dict[str, Any]:
    e164 = try_normalize(c.caller_number or "")
    return {"id": c.id, "linkedid": c.linkedid, "queue": c.queue, "disposition": c.disposition,
            "caller_masked": mask(e164) if e164 else (c.caller_number or ""),
            "wait_seconds": c.wait_seconds, "started_at": c.started_at.isoformat()}


def callback_number(session: Session, actor: Actor, *, ticket_number: str | None = None,
                    call_id: int | None = None, queues: list[str] = ()) -> str:
    """The number to dial for a revisit or a call-back, checked against the agent's scope."""
    if ticket_number:
        t = session.scalars(select(Ticket).where(Ticket.number == ticket_number, scope_clause(actor))).first()
        if t is None or not t.caller_phone:
            raise ValidationError("no phone number on this ticket", "number")
        return t.caller_phone
    c = session.get(CallRecord, call_id) if isinstance(call_id, int) else None
    if c is None or not _mine(c, queues) or not c.caller_number:
        raise ValidationError("not a missed call of your queues", "call_id")
    return c.caller_number
