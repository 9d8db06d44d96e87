"""The region tree: (country →) province → city → district → street → community → grid."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, PathString

LEVELS = ("country", "province", "city", "district", "street", "community", "grid")


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), nullable=True)
    # "/1/4/17/": ids from the root; "everything under X" is one range scan on this index.
    path: Mapped[str] = mapped_column(PathString)

    parent: Mapped["Region | None"] = relationship(remote_side=[id])

    __table_args__ = (Index("ix_regions_path", "path"),)

    @property
    def depth(self) -> int:
        return LEVELS.index(self.level)
