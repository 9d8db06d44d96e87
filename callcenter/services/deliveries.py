"""Deliveries: create them with the change, send each at most once in effect, and let a
supervisor retry a failed one or switch it to another channel.

`perform` is the body of every delivery job (RQ or in-process). It claims the delivery
in one short transaction, sends outside any transaction, and records the outcome in
another; a second job for the same delivery finds it sent and does nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.domain.delivery import (
    TERMINAL, DeliveryBusy, DeliveryState, RetryPolicy, SendError, after_failure, claim_decision,
    lease_end)
from callcenter.domain.tickets import Actor, NotFoundError, ValidationError, in_region
from callcenter.models import Delivery, Department, Dispatch, Provider, Ticket
from callcenter.models.base import utcnow
from callcenter.services import outbox

log = logging.getLogger(__name__)
QUEUE_FOR = {"dispatch": "dispatch"}  # purpose → RQ queue; everything else is a notification


@dataclass(frozen=True)
class Outgoing:
    """What a channel adapter needs to send one message; `secret` is read at send time."""

    delivery_id: int
    channel: str
    recipient: dict
    subject: str
    body: str
    idempotency_key: str
    dispatch_id: int | None
    attempt: int
    secret: str | None = None


class Sender(Protocol):
    def send(self, message: Outgoing) -> str:
        """Send; return the far side's reference (message SID, HTTP status); raise SendError."""


def add_delivery(session: Session, *, ticket: Ticket, purpose: str, channel: str, recipient: dict,
                 key: str, body: str, now: datetime, policy: RetryPolicy, subject: str = "",
                 dispatch: Dispatch | None = None, target: tuple[str, int] | None = None,
                 user_id: int | None = None) -> Delivery | None:
    """Add a delivery (and its outbox row) unless one with this key exists; portal ones are
    'sent' at once, since writing the row is what shows the message in the portal."""
    if session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key)) is not None:
        return None
    portal = channel == "portal"
    row = Delivery(ticket_id=ticket.id, dispatch_id=dispatch.id if dispatch else None,
                   purpose=purpose, channel=channel, recipient=recipient,
                   target_kind=target[0] if target else None, target_id=target[1] if target else None,
                   user_id=user_id, idempotency_key=key, subject=subject[:200], body=body,
                   state=DeliveryState.SENT.value if portal else DeliveryState.PENDING.value,
                   max_attempts=policy.max_attempts, sent_at=now if portal else None,
                   created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    if not portal:
        outbox.add(session, row.id, QUEUE_FOR.get(purpose, "notifications"), now)
    return row


def claim(session: Session, delivery_id: int, now: datetime, policy: RetryPolicy) -> Outgoing | None:
    """Mark the delivery `sending` under a lease; None if there is nothing left to send."""
    row = session.get(Delivery, delivery_id, with_for_update=True)
    if row is None:
        return None
    if row.state == DeliveryState.PENDING.value and _recalled(row):
        _finish(session, row, DeliveryState.CANCELLED.value, now, "dispatch recalled")
        return None
    decision = claim_decision(row.state, row.lease_until, now)
    if decision == "skip":
        outbox.complete_for(session, row.id, now)
        return None
    if decision == "busy":
        raise DeliveryBusy(f"delivery {delivery_id} is being sent by another worker",
                           row.lease_until)
    row.state = DeliveryState.SENDING.value
    row.attempts += 1
    row.lease_until = lease_end(now, policy)
    row.updated_at = now
    return Outgoing(row.id, row.channel, dict(row.recipient), row.subject, row.body,
                    row.idempotency_key, row.dispatch_id, row.attempts, _secret(session, row))


def record_sent(session: Session, delivery_id: int, ref: str, now: datetime) -> None:
    row = session.get(Delivery, delivery_id, with_for_update=True)
    row.provider_ref = (ref or "")[:80]
    row.sent_at = now
    row.last_error = ""
    _finish(session, row, DeliveryState.SENT.value, now)


def record_failure(session: Session, delivery_id: int, error: SendError, now: datetime,
                   policy: RetryPolicy) -> str:
    """Keep the error; back to `pending` while attempts are left, else `failed` for good."""
    row = session.get(Delivery, delivery_id, with_for_update=True)
    row.last_error = error.message[:2000]
    state = after_failure(row.attempts, row.max_attempts, error.permanent)
    if state == DeliveryState.FAILED.value:
        _finish(session, row, state, now, row.last_error)
    else:
        row.state = state
        row.lease_until = None
        row.next_attempt_at = now + timedelta(seconds=policy.delay_after(row.attempts))
        row.updated_at = now
    return state


def perform(sessions: sessionmaker, delivery_id: int, senders: Mapping[str, Sender],
            policy: RetryPolicy, clock: Callable[[], datetime] = utcnow) -> str:
    """Run one delivery attempt. Raises SendError when the queue should retry later."""
    with sessions.begin() as s:
        message = claim(s, delivery_id, clock(), policy)
    if message is None:
        return "skipped"
    sender = senders.get(message.channel)
    try:
        if sender is None:
            raise SendError(f"no sender is configured for channel {message.channel}", permanent=True)
        ref = sender.send(message)
    except SendError as exc:
        with sessions.begin() as s:
            state = record_failure(s, delivery_id, exc, clock(), policy)
        log.warning("delivery %s attempt %s failed (%s): %s", delivery_id, message.attempt,
                    state, exc.message)
        if state == DeliveryState.PENDING.value:
            raise
        return state
    with sessions.begin() as s:
        record_sent(s, delivery_id, ref, clock())
    return "sent"


def retry(session: Session, actor: Actor, delivery_id: int, now: datetime | None = None) -> Delivery:
    """A supervisor sends a failed delivery again: fresh attempts, a new outbox row."""
    now = now or utcnow()
    row = _visible(session, actor, delivery_id)
    if row.state != DeliveryState.FAILED.value:
        raise ValidationError(f"only failed deliveries can be retried (this one is {row.state})",
                              "state")
    row.state = DeliveryState.PENDING.value
    row.attempts = 0
    row.lease_until = row.next_attempt_at = None
    row.updated_at = now
    outbox.add(session, row.id, QUEUE_FOR.get(row.purpose, "notifications"), now)
    return row


def switch_channel(session: Session, actor: Actor, delivery_id: int, channel: str,
                   messaging, now: datetime | None = None) -> Delivery:
    """Send a failed dispatch delivery through another channel configured for its target."""
    from callcenter.services.dispatch import plan_channel  # dispatch builds channel messages
    now = now or utcnow()
    row = _visible(session, actor, delivery_id)
    if row.state != DeliveryState.FAILED.value or row.dispatch is None:
        raise ValidationError("only a failed dispatch delivery can switch channel", "state")
    if channel == row.channel:
        raise ValidationError(f"the delivery already uses {channel}", "channel")
    created = plan_channel(session, row.dispatch, channel, now, messaging)
    _finish(session, row, DeliveryState.CANCELLED.value, now, f"switched to {channel}")
    return created


def cancel_pending(session: Session, dispatch_id: int, now: datetime, reason: str) -> int:
    rows = session.scalars(select(Delivery).where(Delivery.dispatch_id == dispatch_id,
                                                  Delivery.state == "pending")).all()
    for row in rows:
        _finish(session, row, DeliveryState.CANCELLED.value, now, reason)
    return len(rows)


def list_deliveries(session: Session, actor: Actor, state: str = "failed",
                    limit: int = 200) -> list[Delivery]:
    if state not in {s.value for s in DeliveryState}:
        raise ValidationError("unknown delivery state", "state")
    rows = session.scalars(select(Delivery).join(Ticket).where(Delivery.state == state)
                           .order_by(Delivery.updated_at.desc()).limit(limit)).all()
    return [r for r in rows if in_region(actor.region_path, r.ticket.region_path)]


def delivery_dict(row: Delivery) -> dict:
    return {"id": row.id, "ticket_number": row.ticket.number, "dispatch_id": row.dispatch_id,
            "purpose": row.purpose, "channel": row.channel, "state": row.state,
            "attempts": row.attempts, "max_attempts": row.max_attempts,
            "last_error": row.last_error, "provider_ref": row.provider_ref,
            "recipient": _safe_recipient(row.recipient),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "updated_at": row.updated_at.isoformat()}


def _safe_recipient(recipient: dict) -> dict:
    return {k: v for k, v in (recipient or {}).items() if k != "secret"}


def _visible(session: Session, actor: Actor, delivery_id: int) -> Delivery:
    row = session.get(Delivery, delivery_id)
    if actor.role not in ("supervisor", "admin") or row is None \
            or not in_region(actor.region_path, row.ticket.region_path):
        raise NotFoundError("delivery not found")
    return row


def _recalled(row: Delivery) -> bool:
    return row.purpose == "dispatch" and row.dispatch is not None and row.dispatch.state == "recalled"


def _finish(session: Session, row: Delivery, state: str, now: datetime, error: str = "") -> None:
    assert state in TERMINAL
    row.state = state
    row.lease_until = row.next_attempt_at = None
    row.updated_at = now
    if error:
        row.last_error = error[:2000]
    outbox.complete_for(session, row.id, now)


def _secret(session: Session, row: Delivery) -> str | None:
    """The webhook secret lives on the target's channel list, never on the delivery row."""
    if row.channel != "webhook" or row.target_kind not in ("department", "provider"):
        return None
    model = Department if row.target_kind == "department" else Provider
    target = session.get(model, row.target_id)
    for ch in (target.channels if target else []) or []:
        if ch.get("kind") == "webhook" and ch.get("url") == row.recipient.get("url"):
            return ch.get("secret")
    return None
