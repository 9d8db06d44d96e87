"""Dispatch (派单): send a ticket to a department or provider and plan its deliveries.

The life-cycle transition goes through `apply_action`; the Dispatch row, its deliveries
and their outbox rows are written in the caller's same transaction, so a committed
dispatch always has its messages waiting, even if Redis is down or the process dies
right after the commit.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.delivery import idempotency_key
from callcenter.domain.phones import mask
from callcenter.domain.tickets import Actor, TicketError, ValidationError
from callcenter.models import Delivery, Dispatch, Provider, Ticket
from callcenter.models.base import utcnow
from callcenter.ports import EventPublisher
from callcenter.services.deliveries import add_delivery, cancel_pending
from callcenter.services.notifications import Messaging, render, ticket_context
from callcenter.services.tickets import apply_action, get_ticket

log = logging.getLogger(__name__)
OPEN_JOB_STATES = ("dispatched", "accepted")


class NoEligibleProviderError(TicketError):
    code = "no_eligible_provider"
    status = 409


def dispatch_ticket(session: Session, actor: Actor, number: str, target: dict,
                    messaging: Messaging, *, now: datetime | None = None,
                    events: EventPublisher | None = None, note: str = "") -> Dispatch:
    """Dispatch (or re-dispatch after a return) to `target`, or {"kind": "auto"} for the
    least-loaded eligible provider; returns the new Dispatch with its deliveries planned."""
    now = now or utcnow()
    auto = isinstance(target, dict) and target.get("kind") == "auto"
    if auto:
        provider_id = choose_provider(session, get_ticket(session, actor, number))
        if provider_id is None:
            raise NoEligibleProviderError("no provider serving this area and category has room",
                                          "target")
        target = {"kind": "provider", "id": provider_id}
    ticket = apply_action(session, actor, number, "dispatch", {"target": target, "note": note},
                          now=now, events=events)
    d = Dispatch(ticket_id=ticket.id, target_kind=target["kind"], auto=auto,
                 department_id=ticket.target_department_id, provider_id=ticket.target_provider_id,
                 created_by_id=actor.user_id, created_at=now, state="active")
    session.add(d)
    session.flush()
    plan_dispatch(session, d, ticket, now, messaging)
    return d


def recall(session: Session, actor: Actor, number: str, reason: str, *,
           now: datetime | None = None, events: EventPublisher | None = None) -> Dispatch | None:
    """Take a ticket back before it is signed for; unsent messages are cancelled."""
    now = now or utcnow()
    ticket = apply_action(session, actor, number, "recall", {"reason": reason}, now=now,
                          events=events)
    d = current_dispatch(session, ticket.id)
    if d is not None:
        close_dispatch(d, "recalled", now)
        cancel_pending(session, d.id, now, "dispatch recalled")
    return d


def current_dispatch(session: Session, ticket_id: int) -> Dispatch | None:
    return session.scalars(select(Dispatch).where(
        Dispatch.ticket_id == ticket_id, Dispatch.state.in_(("active", "accepted")))
        .order_by(Dispatch.id.desc())).first()


def close_dispatch(d: Dispatch, state: str, now: datetime) -> None:
    d.state = state
    if state in ("returned", "recalled", "resolved"):
        d.closed_at = now


def plan_dispatch(session: Session, d: Dispatch, ticket: Ticket, now: datetime,
                  messaging: Messaging) -> list[Delivery]:
    """A portal delivery always, then one per configured channel and recipient."""
    kinds = ["portal"] + [c.get("kind") for c in (d.target.channels or []) if c.get("kind") != "portal"]
    out: list[Delivery] = []
    for kind in dict.fromkeys(kinds):
        out += _plan(session, d, ticket, kind, now, messaging)
    return out


def plan_channel(session: Session, d: Dispatch, channel: str, now: datetime,
                 messaging: Messaging) -> Delivery:
    """Deliver an existing dispatch through one more channel (a supervisor's switch)."""
    if channel not in {c.get("kind") for c in d.target.channels or []}:
        raise ValidationError(f"{d.target.name} has no {channel} channel configured", "channel")
    created = _plan(session, d, d.ticket, channel, now, messaging)
    if not created:
        raise ValidationError(f"this dispatch already has a {channel} delivery; retry that one",
                              "channel")
    return created[0]


def _plan(session, d: Dispatch, ticket: Ticket, kind: str, now, messaging) -> list[Delivery]:
    target = d.target
    key_target = f"{d.target_kind}:{target.id}"
    lang = (target.contact or {}).get("language", "zh")
    ctx = ticket_context(ticket, messaging, link=partner_link(messaging, d.target_kind, ticket.number))
    specs = []
    for entry in [c for c in (target.channels or []) if c.get("kind") == kind] or [{"kind": kind}]:
        specs += _recipients(entry)
    out = []
    for index, recipient in enumerate(specs):
        subject, body = _message(session, kind, ticket, d, ctx, lang)
        row = add_delivery(session, ticket=ticket, purpose="dispatch", channel=kind,
                           recipient=recipient, body=body, subject=subject, now=now,
                           key=idempotency_key(ticket.id, key_target, kind, d.id, index),
                           policy=messaging.policy, dispatch=d, target=(d.target_kind, target.id))
        if row is not None:
            out.append(row)
    return out


def _recipients(entry: dict) -> list[dict]:
    kind = entry.get("kind")
    if kind == "portal":
        return [{}]
    if kind == "webhook":
        return [{"url": entry["url"]}] if entry.get("url") else []
    if kind in ("sms", "fax"):
        numbers = entry.get("numbers") or ([entry["number"]] if entry.get("number") else [])
        return [{"to": n} for n in numbers]
    if kind == "email":
        raw = entry.get("to") or entry.get("addresses") or entry.get("address") or []
        return [{"to": a} for a in ([raw] if isinstance(raw, str) else raw)]
    log.warning("unknown channel kind %r ignored", kind)
    return []


def _message(session, kind, ticket, d, ctx, lang) -> tuple[str, str]:
    if kind == "sms":
        return "", render(session, "dispatch.sms", lang, ctx)
    if kind == "email":
        return (render(session, "dispatch.email.subject", lang, ctx),
                render(session, "dispatch.email", lang, ctx))
    if kind in ("webhook", "fax"):
        return "", webhook_body(ticket, d)
    return "", f"{ticket.number}"


def webhook_body(ticket: Ticket, d: Dispatch) -> str:
    """The JSON a target's system receives (docs/dispatch.md); fixed at dispatch time."""
    payload = {
        "event": "ticket.dispatched", "dispatch_id": d.id, "ticket_number": ticket.number,
        "type": ticket.type, "priority": ticket.priority,
        "category": ticket.category.name if ticket.category else None,
        "category_code": ticket.category.code if ticket.category else None,
        "description": ticket.description, "address": ticket.address,
        "region": ticket.region.name if ticket.region else None,
        "region_code": ticket.region.code if ticket.region else None,
        "caller_phone": mask(ticket.caller_phone) or None,
        "deadline": _iso(ticket.complete_deadline), "accept_deadline": _iso(ticket.accept_deadline),
        "dispatched_at": _iso(d.created_at),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def partner_link(messaging: Messaging, target_kind: str, number: str) -> str:
    prefix = "m/jobs" if target_kind == "provider" else "d/tickets"
    return f"{messaging.base_url}/portal/{prefix}/{number}"


def choose_provider(session: Session, ticket: Ticket) -> int | None:
    """"Any eligible provider": active, serving the ticket's area and category (or a parent),
    below capacity; fewest open jobs first, then best rating, then lowest id.

    Stands in until issue 3's `callcenter.services.routing.suggest_targets` is merged.
    """
    if ticket.category is None:
        return None
    open_jobs = dict(session.execute(
        select(Ticket.target_provider_id, func.count()).where(
            Ticket.status.in_(OPEN_JOB_STATES), Ticket.target_provider_id.is_not(None))
        .group_by(Ticket.target_provider_id)).all())
    ranked = []
    for p in session.scalars(select(Provider).where(Provider.active.is_(True))):
        jobs = open_jobs.get(p.id, 0)
        if jobs >= p.capacity:
            continue
        if not any(ticket.region_path.startswith(r.path) for r in p.regions):
            continue
        if not any(ticket.category.path.startswith(c.path) for c in p.categories):
            continue
        ranked.append((jobs, -p.rating, p.id))
    return min(ranked)[2] if ranked else None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat() if value else None
