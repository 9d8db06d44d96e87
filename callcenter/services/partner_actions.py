"""What a merchant or a department does with a job: sign for (签收), return (退单) with the
reason and the basis, ask for more time (延期), reply with the result (办结); and the
supervisor's decision on an extension. Scope comes from `apply_action`: another
target's ticket is 'not found'."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from callcenter.domain.tickets import (
    Actor, ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError, in_region)
from callcenter.models import Dispatch, ExtensionRequest, Ticket, TicketEvent
from callcenter.models.base import utcnow
from callcenter.ports import EventPublisher
from callcenter.services import dispatch_files
from callcenter.services.attachments import Upload
from callcenter.services.dispatch import close_dispatch, current_dispatch
from callcenter.services.notices import notify_resident, notify_target
from callcenter.services.notifications import Messaging
from callcenter.services.ticket_queries import scope_clause
from callcenter.services.tickets import apply_action, get_ticket

BUCKETS = ("new", "accepted", "due_soon", "overdue", "returned", "done", "all")
DUE_SOON_WORKING_HOURS = 7.0  # one working day of office hours


def accept(session: Session, actor: Actor, number: str, messaging: Messaging, *,
           now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    now = now or utcnow()
    ticket = apply_action(session, actor, number, "accept", {}, now=now, events=events)
    d = current_dispatch(session, ticket.id)
    if d is not None:
        close_dispatch(d, "accepted", now)
    notify_resident(session, ticket, "accepted", messaging, now)
    return ticket


def return_job(session: Session, actor: Actor, number: str, reason: str, basis: str = "", *,
               now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """退单 / decline: the ticket goes back to the hotline for re-dispatch."""
    now = now or utcnow()
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason is required", "reason")
    basis = (basis or "").strip() if isinstance(basis, str) else ""
    if len(basis) > 2000:
        raise ValidationError("basis is longer than 2000 characters", "basis")
    if actor.role == "department" and not basis:
        raise ValidationError("a department's return needs its basis (依据)", "basis")
    full = f"{reason.strip()}（依据：{basis}）" if basis else reason
    ticket = apply_action(session, actor, number, "return", {"reason": full}, now=now, events=events)
    d = session.scalars(_dispatch_of(ticket.id)).first()
    if d is not None:
        d.return_reason, d.return_basis = reason.strip(), basis
        close_dispatch(d, "returned", now)
    return ticket


def reply(session: Session, actor: Actor, number: str, result: str,
          uploads: list[Upload], messaging: Messaging, instance_path: str, *,
          now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """办结: the result text and its files; every file is checked before anything changes."""
    now = now or utcnow()
    checked = dispatch_files.check_uploads(uploads)
    ticket = apply_action(session, actor, number, "resolve", {"result": result}, now=now,
                          events=events)
    dispatch_files.store(session, ticket, checked, actor.user_id, instance_path)
    d = current_dispatch(session, ticket.id)
    if d is not None:
        close_dispatch(d, "resolved", now)
    notify_resident(session, ticket, "resolved", messaging, now)
    return ticket


def request_extension(session: Session, actor: Actor, number: str, requested: datetime,
                      reason: str, *, now: datetime | None = None) -> ExtensionRequest:
    """Ask before the completion deadline for a later one; one open request at a time."""
    now = now or utcnow()
    if actor.role not in ("merchant", "department"):
        raise ForbiddenError("only the handling department or provider asks for an extension")
    ticket = get_ticket(session, actor, number)
    if ticket.status not in ("dispatched", "accepted"):
        raise InvalidTransitionError(f"cannot extend a ticket that is {ticket.status}")
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationError("reason is required (at most 2000 characters)", "reason")
    current = ticket.complete_deadline
    if current is None or now >= current:
        raise InvalidTransitionError("an extension must be asked for before the deadline")
    if requested.tzinfo is None or requested <= current:
        raise ValidationError("the new deadline must be later than the current one", "deadline")
    if requested > current + timedelta(days=90):
        raise ValidationError("an extension may add at most 90 days", "deadline")
    if session.scalar(select(ExtensionRequest.id).where(
            ExtensionRequest.ticket_id == ticket.id, ExtensionRequest.state == "pending")):
        raise InvalidTransitionError("an extension request is already waiting for a decision")
    d = current_dispatch(session, ticket.id)
    row = ExtensionRequest(ticket_id=ticket.id, dispatch_id=d.id, requested_by_id=actor.user_id,
                           reason=reason, current_deadline=current, requested_deadline=requested,
                           created_at=now)
    session.add(row)
    session.flush()
    _timeline(session, ticket, actor, "extension_request", now, reason,
              {"requested_deadline": requested.isoformat()})
    return row


def decide_extension(session: Session, actor: Actor, request_id: int, approve: bool, note: str,
                     messaging: Messaging, *, now: datetime | None = None) -> ExtensionRequest:
    """A supervisor of the ticket's region approves (the new deadline is recorded) or refuses."""
    now = now or utcnow()
    row = session.get(ExtensionRequest, request_id)
    if actor.role not in ("supervisor", "admin") or row is None \
            or not in_region(actor.region_path, row.ticket.region_path):
        raise NotFoundError("extension request not found")
    if row.state != "pending":
        raise InvalidTransitionError(f"this request was already {row.state}")
    row.state = "approved" if approve else "refused"
    row.decided_by_id, row.decided_at, row.decision_note = actor.user_id, now, (note or "").strip()
    ticket = row.ticket
    if approve:
        ticket.complete_deadline = row.requested_deadline
        ticket.updated_at = now
    _timeline(session, ticket, actor, "extension_" + row.state, now, row.decision_note,
              {"deadline": ticket.complete_deadline.isoformat()})
    decision = {"approved": "已批准", "refused": "未批准"}[row.state]
    notify_target(session, row.dispatch, "extension", "extension.decided", {"decision": decision},
                  messaging, now, tag=f"x{row.id}")
    return row


def partner_jobs(session: Session, actor: Actor, bucket: str, *, now: datetime | None = None,
                 calendar: WorkingCalendar = DEFAULT_CALENDAR, limit: int = 200) -> list[Ticket]:
    """A target's jobs by bucket: new, accepted, due soon, overdue, returned, done, all."""
    now = now or utcnow()
    if bucket not in BUCKETS:
        raise ValidationError(f"bucket must be one of {', '.join(BUCKETS)}", "bucket")
    if actor.role not in ("merchant", "department"):
        raise ForbiddenError("the partner portal is for departments and providers")
    late = or_(and_(Ticket.status == "dispatched", Ticket.accept_deadline < now),
               and_(Ticket.status.in_(("dispatched", "accepted")), Ticket.complete_deadline < now))
    conds = {"new": Ticket.status == "dispatched", "accepted": Ticket.status == "accepted",
             "overdue": late, "due_soon": and_(Ticket.status.in_(("dispatched", "accepted")), ~late),
             "done": Ticket.status.in_(("resolved", "revisited", "closed")),
             "returned": Ticket.status == "returned", "all": Ticket.id.is_not(None)}
    rows = session.scalars(select(Ticket).where(scope_clause(actor), conds[bucket])
                           .order_by(Ticket.complete_deadline, Ticket.id).limit(limit)).all()
    if bucket == "due_soon":
        rows = [t for t in rows if _due_soon(t, now, calendar)]
    return list(rows)


def _due_soon(ticket: Ticket, now: datetime, calendar: WorkingCalendar) -> bool:
    deadline = ticket.accept_deadline if ticket.status == "dispatched" else ticket.complete_deadline
    if deadline is None:
        return False
    return calendar.working_seconds_between(now, deadline) <= DUE_SOON_WORKING_HOURS * 3600


def _dispatch_of(ticket_id: int):
    return select(Dispatch).where(Dispatch.ticket_id == ticket_id, Dispatch.state == "active") \
        .order_by(Dispatch.id.desc())


def _timeline(session, ticket, actor, action, now, note, data) -> None:
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor_id=actor.user_id,
                            actor_role=actor.role, action=action, from_status=ticket.status,
                            to_status=ticket.status, note=note, data=data))
