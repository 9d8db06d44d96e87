"""Dispatch (派单) records: who a ticket went to, each message sent about it, the outbox
that hands those messages to the job queue, templates, extension requests and revisits.

A delivery's state (pending/sending/sent/failed/cancelled) is kept apart from the
ticket's life-cycle state, as FixMyStreet keeps `send_state` apart from `state`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, JSONType, UTCDateTime, utcnow
from callcenter.models.org import Department, Provider
from callcenter.models.tickets import Ticket


class Dispatch(Base):
    """One sending of a ticket to one target; a re-dispatch after a return is a new row."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(12))  # department | provider
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), nullable=True)
    # active → accepted → resolved; or returned / recalled
    state: Mapped[str] = mapped_column(String(12), default="active", index=True)
    auto: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    return_basis: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship()
    department: Mapped[Department | None] = relationship()
    provider: Mapped[Provider | None] = relationship()

    @property
    def target(self) -> Department | Provider | None:
        return self.department if self.target_kind == "department" else self.provider


class Delivery(Base):
    """One message through one channel to one recipient, sent at most once in effect."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(
        ForeignKey("dispatches.id", ondelete="CASCADE"), nullable=True, index=True)
    # dispatch | reminder | escalation | resident | extension
    purpose: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(12))  # portal | sms | webhook | email | fax
    # {"url": …} / {"to": "+86…"} / {"to": "a@b"} / {"user_id": 3}; never a secret
    recipient: Mapped[dict] = mapped_column(JSONType, default=dict)
    target_kind: Mapped[str | None] = mapped_column(String(12), nullable=True)
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    # ticket × target × channel × dispatch (× recipient): a retry can never make a second row
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    # Rendered once at creation so every retry sends (and signs) the very same bytes.
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    last_error: Mapped[str] = mapped_column(Text, default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provider_ref: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    dispatch: Mapped[Dispatch | None] = relationship()

    __table_args__ = (Index("ix_deliveries_target", "target_kind", "target_id", "channel"),)


class OutboxMessage(Base):
    """A job to hand to the queue, written in the same transaction as the change behind it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"),
                                             index=True)
    queue: Mapped[str] = mapped_column(String(20), default="dispatch")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    enqueue_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    delivery: Mapped[Delivery] = relationship()

    __table_args__ = (Index("ix_outbox_open", "completed_at", "enqueued_at"),)


class NotificationTemplate(Base):
    """An admin's wording for one message; the built-in text applies when there is none."""

    __tablename__ = "notification_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("key", "language", name="uq_notification_templates_key_lang"),)


class ExtensionRequest(Base):
    """A target's request (延期申请) for a later completion deadline; a supervisor decides."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    current_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    dispatch: Mapped[Dispatch] = relationship()


class Revisit(Base):
    """One satisfaction score (回访) for a resolved ticket, by an agent, the IVR or the SMS link."""

    __tablename__ = "revisits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), nullable=True,
                                                    index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(8))  # agent | ivr | sms
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
