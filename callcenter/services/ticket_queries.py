"""Read side of tickets: scoped listing with filters, and JSON-ready views."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from callcenter.domain.deadlines import is_overdue
from callcenter.domain.phones import mask
from callcenter.domain.tickets import STAFF, TYPES, Actor, TicketStatus, ValidationError
from callcenter.models import Category, Region, Ticket
from callcenter.models.base import utcnow
from callcenter.services.regions import subtree_clause

LIVE = ("open", "dispatched", "accepted", "returned")


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    type: str | None = None
    category_id: int | None = None
    region_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = 50


def scope_clause(actor: Actor):
    if actor.role in STAFF:
        return subtree_clause(Ticket.region_path, actor.region_path)
    if actor.role == "department" and actor.department_id:
        return Ticket.target_department_id == actor.department_id
    if actor.role == "merchant" and actor.provider_id:
        return Ticket.target_provider_id == actor.provider_id
    return Ticket.id.is_(None)


def list_tickets(session: Session, actor: Actor, f: TicketFilter,
                 now: datetime | None = None) -> tuple[list[Ticket], int]:
    now = now or utcnow()
    conds = [scope_clause(actor)]
    if f.status:
        if f.status not in {s.value for s in TicketStatus}:
            raise ValidationError("unknown status", "status")
        conds.append(Ticket.status == f.status)
    if f.type:
        if f.type not in TYPES:
            raise ValidationError("unknown type", "type")
        conds.append(Ticket.type == f.type)
    if f.category_id is not None:
        cat = session.get(Category, f.category_id)
        if cat is None:
            raise ValidationError("unknown category", "category_id")
        sub = select(Category.id).where(subtree_clause(Category.path, cat.path))
        conds.append(Ticket.category_id.in_(sub))
    if f.region_id is not None:
        region = session.get(Region, f.region_id)
        if region is None:
            raise ValidationError("unknown region", "region_id")
        conds.append(subtree_clause(Ticket.region_path, region.path))
    if f.created_from:
        conds.append(Ticket.created_at >= f.created_from)
    if f.created_to:
        conds.append(Ticket.created_at < f.created_to)
    if f.overdue is not None:
        late = or_(and_(Ticket.status == "dispatched", Ticket.accept_deadline < now),
                   and_(Ticket.status.in_(LIVE), Ticket.complete_deadline < now))
        conds.append(late if f.overdue else ~late)
    where = and_(*conds)
    total = session.scalar(select(func.count()).select_from(Ticket).where(where))
    rows = session.scalars(select(Ticket).where(where).order_by(Ticket.created_at.desc(), Ticket.id.desc())
                           .limit(f.per_page).offset((f.page - 1) * f.per_page)).all()
    return list(rows), int(total or 0)


def ticket_dict(ticket: Ticket, actor: Actor, *, with_timeline: bool = False,
                now: datetime | None = None) -> dict:
    """The API's view; partners get a masked phone and no resident identity."""
    now = now or utcnow()
    partner = actor.role not in STAFF
    out = {
        "number": ticket.number, "status": ticket.status, "channel": ticket.channel,
        "type": ticket.type, "priority": ticket.priority,
        "category": ticket.category.name if ticket.category else None,
        "category_id": ticket.category_id,
        "caller_phone": mask(ticket.caller_phone) if partner else ticket.caller_phone,
        "resident_id": None if partner else ticket.resident_id,
        "address": ticket.address, "region_id": ticket.region_id,
        "region": ticket.region.name if ticket.region else None,
        "description": ticket.description, "result": ticket.result,
        "satisfaction": ticket.satisfaction,
        "target": _target(ticket),
        "accept_deadline": _iso(ticket.accept_deadline),
        "complete_deadline": _iso(ticket.complete_deadline),
        "overdue": is_overdue(ticket.status, now, ticket.accept_deadline, ticket.complete_deadline),
        "created_at": _iso(ticket.created_at), "updated_at": _iso(ticket.updated_at),
        "call_linkedid": ticket.call_linkedid,
    }
    if with_timeline:
        out["timeline"] = [{
            "at": _iso(e.at), "actor": e.actor.display_name if e.actor else None,
            "role": e.actor_role, "action": e.action, "from": e.from_status, "to": e.to_status,
            "note": e.note, "data": e.data} for e in ticket.events]
    return out


def _target(ticket: Ticket) -> dict | None:
    if ticket.target_department:
        return {"kind": "department", "id": ticket.target_department_id,
                "name": ticket.target_department.name}
    if ticket.target_provider:
        return {"kind": "provider", "id": ticket.target_provider_id,
                "name": ticket.target_provider.name}
    return None


def _iso(value: datetime | None) -> str | None:
    from callcenter.domain.calendar import SHANGHAI
    return value.astimezone(SHANGHAI).isoformat() if value else None
