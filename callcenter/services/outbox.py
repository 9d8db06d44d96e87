"""The transactional outbox: rows written with the change, handed to the queue by a relay.

Each row names one delivery. The relay claims a row with a compare-and-set on
`enqueued_at`, so two relays never enqueue the same row at once; a row whose job
vanished (Redis restarted empty, a worker died) is enqueued again, which is safe
because the job itself is idempotent on the delivery's state.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.models import OutboxMessage


@dataclass(frozen=True)
class OutboxItem:
    id: int
    delivery_id: int
    queue: str


def add(session: Session, delivery_id: int, queue: str, now: datetime) -> OutboxMessage:
    row = OutboxMessage(delivery_id=delivery_id, queue=queue, created_at=now)
    session.add(row)
    return row


def claim_new(session: Session, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Take rows nobody enqueued yet; each claim is a conditional update, so it is exclusive."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.delivery_id, OutboxMessage.queue)
        .where(OutboxMessage.enqueued_at.is_(None), OutboxMessage.completed_at.is_(None))
        .order_by(OutboxMessage.id).limit(limit)).all()
    return [OutboxItem(*r) for r in rows if _cas(session, r[0], None, now)]


def claim_stale(session: Session, now: datetime, older_than: timedelta,
                limit: int = 100) -> list[tuple[OutboxItem, datetime]]:
    """Rows enqueued long ago and still not completed: their job may be lost."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.delivery_id, OutboxMessage.queue,
               OutboxMessage.enqueued_at)
        .where(OutboxMessage.completed_at.is_(None), OutboxMessage.enqueued_at.is_not(None),
               OutboxMessage.enqueued_at < now - older_than)
        .order_by(OutboxMessage.id).limit(limit)).all()
    return [(OutboxItem(r[0], r[1], r[2]), r[3]) for r in rows]


def touch(session: Session, outbox_id: int, seen: datetime, now: datetime) -> bool:
    """Re-claim a stale row (only if nobody else did since `seen`)."""
    return _cas(session, outbox_id, seen, now)


def release(session: Session, outbox_id: int) -> None:
    """The enqueue failed (Redis down): leave the row for the next pass."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                    .values(enqueued_at=None))


def complete_for(session: Session, delivery_id: int, now: datetime) -> None:
    session.execute(update(OutboxMessage)
                    .where(OutboxMessage.delivery_id == delivery_id,
                           OutboxMessage.completed_at.is_(None))
                    .values(completed_at=now))


def backlog(session: Session) -> int:
    from sqlalchemy import func
    return int(session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.completed_at.is_(None))) or 0)


def _cas(session: Session, outbox_id: int, expected: datetime | None, now: datetime) -> bool:
    cond = OutboxMessage.enqueued_at.is_(None) if expected is None \
        else OutboxMessage.enqueued_at == expected
    result = session.execute(update(OutboxMessage)
                             .where(OutboxMessage.id == outbox_id, cond)
                             .values(enqueued_at=now,
                                     enqueue_count=OutboxMessage.enqueue_count + 1))
    return result.rowcount == 1
