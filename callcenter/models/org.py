"""Who handles tickets: departments, merchant providers, and the category catalog."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, JSONType, PathString, UTCDateTime, utcnow
from callcenter.models.regions import Region

department_regions = Table(
    "department_regions", Base.metadata,
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)
department_categories = Table(
    "department_categories", Base.metadata,
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)
provider_regions = Table(
    "provider_regions", Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)
provider_categories = Table(
    "provider_categories", Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Base):
    """A node of the service catalog; its policy sets the ticket deadlines."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    path: Mapped[str] = mapped_column(PathString)
    # {"default": {"accept_hours": 2, "complete_days": 3}, "complaint": {...}}; empty = 12345 defaults
    deadline_policy: Mapped[dict] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped["Category | None"] = relationship(remote_side=[id])

    __table_args__ = (Index("ix_categories_path", "path"),)


class Department(Base):
    """A government body (承办单位) that receives tickets."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    contact: Mapped[dict] = mapped_column(JSONType, default=dict)
    # [{"kind": "portal"}, {"kind": "webhook", "url": …}, {"kind": "sms", "numbers": […]}]
    channels: Mapped[list] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    regions: Mapped[list[Region]] = relationship(secondary=department_regions)
    categories: Mapped[list[Category]] = relationship(secondary=department_categories)


class Provider(Base):
    """A merchant partner (服务加盟商) that takes service jobs."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[dict] = mapped_column(JSONType, default=dict)
    channels: Mapped[list] = mapped_column(JSONType, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    rating: Mapped[float] = mapped_column(Float, default=5.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    regions: Mapped[list[Region]] = relationship(secondary=provider_regions)
    categories: Mapped[list[Category]] = relationship(secondary=provider_categories)
