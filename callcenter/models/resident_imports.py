"""Resident imports and what each changed, so an import can be undone."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, JSONType, UTCDateTime, utcnow


class ResidentImport(Base):
    __tablename__ = "resident_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="running")  # running|done|undone
    counts: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    changes: Mapped[list["ResidentImportChange"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="ResidentImportChange.id")


class ResidentImportChange(Base):
    """One resident created or updated by an import; `before` holds the old values."""

    __tablename__ = "resident_import_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("resident_imports.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(10))  # created | updated
    before: Mapped[dict] = mapped_column(JSONType, default=dict)

    batch: Mapped[ResidentImport] = relationship(back_populates="changes")
