"""Append-only audit log of views of personal data, exports and imports (who, what, when)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, JSONType, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))      # reveal_phone, reveal_id_number, export…
    record_type: Mapped[str] = mapped_column(String(32))  # resident, resident_import…
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)

    __table_args__ = (
        Index("ix_audit_log_record", "record_type", "record_id"),
        Index("ix_audit_log_user_at", "user_id", "at"),
    )
