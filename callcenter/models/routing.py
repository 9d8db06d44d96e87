"""Routing rules (派单规则): (category subtree, region subtree, ticket type) → target."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.org import Category, Department
from callcenter.models.regions import Region


class RoutingRule(Base):
    """Empty category/region/type match anything; target_kind is `department` or `providers`."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), nullable=True)
    ticket_type: Mapped[str | None] = mapped_column(String(12), nullable=True)
    target_kind: Mapped[str] = mapped_column(String(12))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()
    region: Mapped[Region | None] = relationship()
    department: Mapped[Department | None] = relationship()
