"""The service catalog (服务指南): one guide per service item, with downloadable forms.

Search reads `search_text` (Chinese) and `search_pinyin` (pinyin of the name and
keywords); migration 0003 indexes them with SQLite FTS5 trigram or PostgreSQL pg_trgm.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, JSONType, UTCDateTime, utcnow
from callcenter.models.org import Category, Department


class ServiceItem(Base):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")        # what it is
    eligibility: Mapped[str] = mapped_column(Text, default="")    # who may apply
    materials: Mapped[list] = mapped_column(JSONType, default=list)  # required documents
    fees: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list] = mapped_column(JSONType, default=list)   # the process, in order
    location: Mapped[str] = mapped_column(Text, default="")       # where to go
    hours: Mapped[str] = mapped_column(String(200), default="")   # opening hours
    ivr_text: Mapped[str] = mapped_column(String(300), default="")  # short, read on the phone
    keywords: Mapped[str] = mapped_column(String(500), default="")  # space separated
    # {"accept_hours": 2, "complete_days": 5}; empty = the category's policy applies
    deadline_policy: Mapped[dict] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_pinyin: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()
    department: Mapped[Department | None] = relationship()
    forms: Mapped[list["ServiceForm"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ServiceForm.id")


class ServiceForm(Base):
    """A downloadable form (申请表…); small files, kept in the database with the item."""

    __tablename__ = "service_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[ServiceItem] = relationship(back_populates="forms")


# Search index objects made by migration 0003 with raw SQL (FTS5 table and its shadow
# tables on SQLite, trigram GIN indexes on PostgreSQL). They are not in the metadata,
# so autogenerate must ignore them instead of proposing to drop them.
SEARCH_INDEX_NAMES = ("service_items_fts", "ix_service_items_search_text_trgm",
                      "ix_service_items_search_pinyin_trgm")


def include_name(name, type_, parent_names) -> bool:
    """Alembic `include_name` hook: skip the search index objects above."""
    return not (name and name.startswith(SEARCH_INDEX_NAMES))
