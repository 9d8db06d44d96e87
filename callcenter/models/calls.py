"""Call records folded by the AMI bridge, and agents' state changes and log-in sessions.

A ticket links to its call through `tickets.call_linkedid` = `call_records.linkedid`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, JSONType, UTCDateTime, utcnow


class CallRecord(Base):
    """One call (one Asterisk Linkedid), stored when it ends; re-storing updates it in place."""

    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(8), default="inbound")
    caller_number: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # The caller's number in E.164 (None for extensions and withheld numbers): the
    # PBX gives it in any notation, and a resident's call history matches on this.
    caller_e164: Mapped[str | None] = mapped_column(String(20), nullable=True)
    caller_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    dialled: Mapped[str | None] = mapped_column(String(32), nullable=True)
    queue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ivr_vars: Mapped[dict] = mapped_column(JSONType, default=dict)
    resident_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    agents_rung: Mapped[list] = mapped_column(JSONType, default=list)
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    disposition: Mapped[str] = mapped_column(String(16))
    wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    talk_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hangup_by: Mapped[str | None] = mapped_column(String(8), nullable=True)
    hangup_cause: Mapped[str | None] = mapped_column(String(8), nullable=True)
    fax: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    transfers: Mapped[list] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resynced: Mapped[bool] = mapped_column(Boolean, default=False)
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_call_records_queue_started_at", "queue", "started_at"),
        Index("ix_call_records_disposition_started_at", "disposition", "started_at"),
        Index("ix_call_records_caller_e164_started_at", "caller_e164", "started_at"),
    )


class AgentStateChange(Base):
    """One change of an agent's state (offline/ready/paused/ringing/on_call/wrap_up)."""

    __tablename__ = "agent_state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extension: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str] = mapped_column(String(32))
    queues: Mapped[list] = mapped_column(JSONType, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_agent_state_changes_extension_at", "extension", "at"),)


class AgentSession(Base):
    """An agent's time logged in: from leaving `offline` to returning to it."""

    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extension: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_agent_sessions_extension_started_at", "extension", "started_at"),)
