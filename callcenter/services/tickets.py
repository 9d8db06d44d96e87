"""Ticket use cases: open, act on, read and list — each inside the caller's unit of work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from callcenter.domain import deadlines
from callcenter.domain.tickets import (
    STAFF, Actor, Decision, ForbiddenError, InvalidTransitionError, NotFoundError, TicketStatus,
    TicketView, ValidationError, can_see, decide, in_region)
from callcenter.models import Category, Department, Provider, Region, Resident, Ticket, TicketEvent
from callcenter.models.base import utcnow
from callcenter.ports import EventPublisher
from callcenter.services.numbering import next_ticket_number
from callcenter.services.ticket_input import TicketInput


class ConflictError(InvalidTransitionError):
    """Another user changed the ticket first; nothing was written."""

    code = "conflict"


def view_of(ticket: Ticket) -> TicketView:
    return TicketView(TicketStatus(ticket.status), ticket.region_path,
                      ticket.target_department_id, ticket.target_provider_id)


def open_ticket(session: Session, actor: Actor, data: TicketInput, *, now: datetime | None = None,
                events: EventPublisher | None = None) -> Ticket:
    """Create a ticket in state `open` with its first timeline entry and its deadline."""
    now = now or utcnow()
    if actor.role not in STAFF:
        raise ForbiddenError(f"role {actor.role} may not open tickets")
    region = session.get(Region, data.region_id)
    if region is None or not in_region(actor.region_path, region.path):
        raise ValidationError("unknown region", "region_id")
    category = _category(session, data.category_id)
    if data.resident_id is not None and session.get(Resident, data.resident_id) is None:
        raise ValidationError("unknown resident", "resident_id")
    policy = deadlines.policy_for(category.deadline_policy if category else None, data.type)
    ticket = Ticket(
        number=next_ticket_number(session, now), channel=data.channel, type=data.type,
        category_id=category.id if category else None, priority=data.priority,
        caller_phone=data.caller_phone, resident_id=data.resident_id, address=data.address,
        region_id=region.id, region_path=region.path, description=data.description,
        status=TicketStatus.OPEN.value, call_linkedid=data.call_linkedid,
        created_by_id=actor.user_id, created_at=now, updated_at=now,
        complete_deadline=deadlines.completion_deadline(now, data.type, data.priority, policy))
    session.add(ticket)
    session.flush()
    _log(session, ticket, actor, "create", None, TicketStatus.OPEN.value, now, "", {})
    session.flush()
    _publish(events, ticket)
    return ticket


def apply_action(session: Session, actor: Actor, number: str, action: str, data: dict, *,
                 now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """Apply one life-cycle action; illegal or stale attempts raise and write nothing."""
    now = now or utcnow()
    ticket = get_ticket(session, actor, number)
    expected = data.get("from_status")
    if expected is not None and expected != ticket.status:
        raise ConflictError(f"ticket is {ticket.status}, not {expected}")
    decision = decide(actor, view_of(ticket), action, data)
    before = ticket.status
    _effect(session, ticket, decision, now)
    ticket.status = decision.rule.target.value
    ticket.updated_at = now
    note = decision.data.get("reason") or decision.data.get("result") or str(data.get("note") or "")
    _log(session, ticket, actor, decision.rule.action.value, before, ticket.status, now, note,
         _loggable(decision.data))
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError("the ticket was changed by someone else; reload it") from None
    _publish(events, ticket)
    return ticket


def get_ticket(session: Session, actor: Actor, number: str) -> Ticket:
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None or not can_see(actor, view_of(ticket)):
        raise NotFoundError("ticket not found")
    return ticket


def _effect(session: Session, ticket: Ticket, decision: Decision, now: datetime) -> None:
    action = decision.rule.action.value
    if action == "dispatch":
        _set_target(session, ticket, decision.data["target"])
        policy = deadlines.policy_for(ticket.category.deadline_policy if ticket.category else None,
                                      ticket.type)
        ticket.dispatched_at = now
        ticket.accepted_at = None
        ticket.accept_deadline = deadlines.acceptance_deadline(now, policy)
    elif action == "accept":
        ticket.accepted_at = now
    elif action == "resolve":
        ticket.result = decision.data["result"]
        ticket.resolved_at = now
    elif action == "revisit":
        ticket.satisfaction = decision.data["score"]
    elif action in ("close", "cancel"):
        ticket.closed_at = now
    elif action == "reopen":
        ticket.resolved_at = None
        ticket.satisfaction = None
        ticket.target_department_id = ticket.target_provider_id = None
    elif action == "recall":
        ticket.target_department_id = ticket.target_provider_id = None
        ticket.accept_deadline = None


def _set_target(session: Session, ticket: Ticket, target: dict) -> None:
    model = Department if target["kind"] == "department" else Provider
    row = session.get(model, target["id"])
    if row is None or not row.active:
        raise ValidationError(f"unknown {target['kind']} {target['id']}", "target")
    ticket.target_department_id = row.id if model is Department else None
    ticket.target_provider_id = row.id if model is Provider else None


def _category(session: Session, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = session.get(Category, category_id)
    if category is None or not category.active:
        raise ValidationError("unknown category", "category_id")
    return category


def _log(session, ticket, actor, action, before, after, now, note, data) -> None:
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor_id=actor.user_id,
                            actor_role=actor.role, action=action, from_status=before,
                            to_status=after, note=note, data=data))


def _loggable(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("reason", "result")}


def _publish(events: EventPublisher | None, ticket: Ticket) -> None:
    if events is not None:
        events.publish("ticket.changed", {"number": ticket.number, "status": ticket.status,
                                          "region_path": ticket.region_path})
