"""Who hears about a ticket's progress: the resident by SMS, the target (portal + SMS),
the supervisors of the ticket's region (portal). Each notice is a delivery with a key
that makes it unique, so running the same step twice never sends twice."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.delivery import idempotency_key
from callcenter.models import Delivery, Dispatch, Ticket, User
from callcenter.services.deliveries import add_delivery
from callcenter.services.notifications import Messaging, render, ticket_context

MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
RESIDENT_EVENTS = ("created", "accepted", "resolved")


def notify_resident(session: Session, ticket: Ticket, event: str, messaging: Messaging,
                    now: datetime, *, consent: bool = True) -> Delivery | None:
    """SMS the caller (mainland mobile only) the ticket number, its acceptance or resolution."""
    if event not in RESIDENT_EVENTS:
        raise ValueError(f"unknown resident event {event!r}")
    if not consent or not ticket.caller_phone or not MOBILE.match(ticket.caller_phone):
        return None
    ctx = ticket_context(ticket, messaging)
    if event == "resolved":
        from callcenter.services.revisit import rate_link
        ctx["rate_link"] = rate_link(messaging, ticket.number)
    lang = ticket.resident.language if ticket.resident else "zh"
    body = render(session, f"resident.{event}", lang, ctx)
    key = f"resident:{event}:t{ticket.id}:v{ticket.version}"
    return add_delivery(session, ticket=ticket, purpose="resident", channel="sms",
                        recipient={"to": ticket.caller_phone}, key=key, body=body, now=now,
                        policy=messaging.policy)


def notify_target(session: Session, d: Dispatch, purpose: str, template: str, extra: dict,
                  messaging: Messaging, now: datetime, tag: str) -> list[Delivery]:
    """Portal notice plus SMS to every number of the target's SMS channel, once per `tag`."""
    from callcenter.services.dispatch import partner_link
    ticket, target = d.ticket, d.target
    ctx = ticket_context(ticket, messaging, link=partner_link(messaging, d.target_kind, ticket.number))
    ctx.update(extra)
    body = render(session, template, (target.contact or {}).get("language", "zh"), ctx)
    numbers = [n for c in target.channels or [] if c.get("kind") == "sms"
               for n in (c.get("numbers") or ([c["number"]] if c.get("number") else []))]
    out = []
    ref = f"{d.target_kind}:{target.id}"
    for index, (channel, recipient) in enumerate([("portal", {})] + [("sms", {"to": n}) for n in numbers]):
        key = idempotency_key(ticket.id, ref, channel, d.id, index, purpose=f"{purpose}.{tag}")
        row = add_delivery(session, ticket=ticket, purpose=purpose, channel=channel,
                           recipient=recipient, key=key, body=body, now=now,
                           policy=messaging.policy, dispatch=d, target=(d.target_kind, target.id))
        if row is not None:
            out.append(row)
    return out


def supervisors_for(session: Session, ticket: Ticket, above: int = 0) -> list[User]:
    """Supervisors of the nearest region up the tree that has any; `above` skips that many
    such levels (督办 one level up)."""
    ids = [int(p) for p in ticket.region_path.strip("/").split("/") if p]
    found = 0
    for region_id in reversed(ids):
        users = session.scalars(select(User).where(
            User.role == "supervisor", User.active.is_(True), User.region_id == region_id)
            .order_by(User.id)).all()
        if users:
            if found == above:
                return list(users)
            found += 1
    return []


def notify_supervisors(session: Session, ticket: Ticket, users: list[User], template: str,
                       extra: dict, messaging: Messaging, now: datetime, tag: str) -> list[Delivery]:
    ctx = ticket_context(ticket, messaging)
    ctx.update(extra)
    out = []
    for user in users:
        body = render(session, template, user.language, ctx)
        row = add_delivery(session, ticket=ticket, purpose="escalation", channel="portal",
                           recipient={"user_id": user.id}, body=body, now=now,
                           key=f"escalation.{tag}:t{ticket.id}:u{user.id}",
                           policy=messaging.policy, user_id=user.id)
        if row is not None:
            out.append(row)
    return out

