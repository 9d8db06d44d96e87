"""The console's ticket form: its choices, and filing a ticket mid-call in one go —
save open, resolve on the call (answered consultation) or dispatch — linked to the call."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import TYPES, Actor, ValidationError
from callcenter.models import Category, Region, ServiceItem
from callcenter.services import tickets as ticket_service
from callcenter.services.console import DuplicateQuery
from callcenter.services.ticket_input import TicketInput
from callcenter.services.ticket_queries import ticket_dict

ACTIONS = ("save", "resolve", "dispatch")
MAX_AREAS = 500


@dataclass(frozen=True)
class TicketLikeArgs:
    category_id: int | None
    region_id: int
    type: str | None


def form_choices(session: Session, actor: Actor) -> dict[str, Any]:
    """Types, leaf categories and the areas (grids) inside the agent's region."""
    cats = session.scalars(select(Category).where(Category.active.is_(True), Category.parent_id.is_not(None))
                           .order_by(Category.path)).all()
    areas = session.scalars(select(Region).where(Region.path.startswith(actor.region_path),
                                                 Region.level == "grid").order_by(Region.path)
                            .limit(MAX_AREAS)).all()
    return {"types": TYPES,
            "categories": [{"id": c.id, "name": c.name, "name_en": c.name_en} for c in cats],
            "areas": [{"id": r.id, "name": r.name, "code": r.code} for r in areas]}


def hit_json(session: Session, hit) -> dict[str, Any]:
    item = session.get(ServiceItem, hit.id)
    return {"id": hit.id, "code": hit.code, "name": hit.name, "category": hit.category,
            "category_id": item.category_id if item else None, "summary": hit.summary}


def _int(args: Mapping[str, Any], name: str, required: bool = False) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationError(f"{name} is required", name)
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be an integer", name) from None


def ticket_like(args: Mapping[str, Any]) -> TicketLikeArgs:
    kind = args.get("type") or None
    if kind is not None and kind not in TYPES:
        raise ValidationError(f"type must be one of {', '.join(TYPES)}", "type")
    return TicketLikeArgs(_int(args, "category_id"), _int(args, "region_id", True), kind)


def duplicate_query(args: Mapping[str, Any]) -> DuplicateQuery:
    return DuplicateQuery(resident_id=_int(args, "resident_id"), phone=args.get("phone") or None,
                          category_id=_int(args, "category_id"),
                          address=str(args.get("address") or "")[:255])


def file_ticket(session: Session, actor: Actor, body: dict, container) -> dict[str, Any]:
    """Open the ticket from the form, then resolve or dispatch it if asked; all or nothing."""
    fields = {k: v for k, v in body.items() if k not in ("action", "result", "target", "note")}
    action = body.get("action", "save")
    if action not in ACTIONS:
        raise ValidationError(f"action must be one of {', '.join(ACTIONS)}", "action")
    data = TicketInput.parse({"channel": "phone", **fields})
    ticket = ticket_service.open_ticket(session, actor, data, events=container.events)
    if action == "resolve":
        ticket = ticket_service.apply_action(session, actor, ticket.number, "resolve",
                                             {"result": body.get("result")}, events=container.events)
    elif action == "dispatch":
        _dispatch(session, actor, ticket.number, body.get("target"), container)
    return ticket_dict(ticket, actor)


def _dispatch(session: Session, actor: Actor, number: str, target, container) -> None:
    from callcenter.services.dispatch import dispatch_ticket
    dispatcher = container.extras.get("dispatcher")
    if dispatcher is None:
        ticket_service.apply_action(session, actor, number, "dispatch", {"target": target},
                                    events=container.events)
        return
    dispatch_ticket(session, actor, number, target, dispatcher.messaging, events=container.events)


def after_commit(container) -> None:
    """Wake the delivery relay so a dispatched ticket's messages go out now."""
    dispatcher = container.extras.get("dispatcher")
    if dispatcher is not None and hasattr(dispatcher, "kick"):
        dispatcher.kick()
