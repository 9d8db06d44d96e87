"""One entry for every life-cycle action, so no caller can skip what an action entails.

`apply_action` changes the state; the use cases here add what goes with it — a dispatch
plans its deliveries, a recall cancels them, a reply stores files and tells the resident,
a revisit moves the provider's rating. The generic API endpoint and any other adapter
call `perform`, never `apply_action` directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor, ValidationError
from callcenter.models import Ticket
from callcenter.ports import EventPublisher
from callcenter.services import dispatch, partner_actions, revisit
from callcenter.services.notifications import Messaging
from callcenter.services.tickets import ConflictError, apply_action, get_ticket


@dataclass(frozen=True)
class ActionContext:
    messaging: Messaging
    instance_path: str
    events: EventPublisher | None = None
    now: datetime | None = None


def perform(session: Session, actor: Actor, number: str, action: str, body: dict,
            ctx: ActionContext) -> Ticket:
    kw = {"now": ctx.now, "events": ctx.events}
    expected = body.get("from_status")
    if expected is not None and get_ticket(session, actor, number).status != expected:
        # Checked before any side effect: a stale view must not plan deliveries.
        raise ConflictError(f"ticket is {get_ticket(session, actor, number).status}, not {expected}")
    if action == "dispatch":
        dispatch.dispatch_ticket(session, actor, number, body.get("target"), ctx.messaging,
                                 note=_text(body, "note"), **kw)
        return get_ticket(session, actor, number)
    if action == "recall":
        dispatch.recall(session, actor, number, _text(body, "reason"), **kw)
        return get_ticket(session, actor, number)
    if action == "accept":
        return partner_actions.accept(session, actor, number, ctx.messaging, **kw)
    if action == "return":
        return partner_actions.return_job(session, actor, number, _text(body, "reason"),
                                          _text(body, "basis"), **kw)
    if action == "resolve" and actor.role in ("merchant", "department"):
        return partner_actions.reply(session, actor, number, _text(body, "result"), [],
                                     ctx.messaging, ctx.instance_path, **kw)
    if action == "revisit":
        score = body.get("score")
        return revisit.record_revisit(session, actor, number, score, _text(body, "note"), **kw)
    return apply_action(session, actor, number, action, body, **kw)


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", name)
    return value
