"""Residents (社区居民) and the phone numbers that identify them on a call."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.regions import Region

TAGS = ("独居老人", "残疾人", "低保户", "优抚对象", "重点关注")


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(200), default="", index=True)
    name_initials: Mapped[str] = mapped_column(String(50), default="", index=True)
    gender: Mapped[str | None] = mapped_column(String(1), nullable=True)  # "M" / "F"
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True, unique=True)
    id_last4: Mapped[str | None] = mapped_column(String(4), nullable=True, index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    household_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    phones: Mapped[list["ResidentPhone"]] = relationship(
        back_populates="resident", cascade="all, delete-orphan", order_by="ResidentPhone.id")
    tags: Mapped[list["ResidentTag"]] = relationship(
        back_populates="resident", cascade="all, delete-orphan", order_by="ResidentTag.tag")

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]


class ResidentPhone(Base):
    __tablename__ = "resident_phones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4), index=True)

    resident: Mapped[Resident] = relationship(back_populates="phones")

    __table_args__ = (
        UniqueConstraint("resident_id", "e164", name="uq_resident_phones_resident_e164"),
        Index("ix_resident_phones_e164", "e164", "resident_id"),
    )


class ResidentTag(Base):
    __tablename__ = "resident_tags"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(20), primary_key=True)

    resident: Mapped[Resident] = relationship(back_populates="tags")

    __table_args__ = (Index("ix_resident_tags_tag", "tag"),)
