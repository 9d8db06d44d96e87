"""The community portal (社区门户): announcements admins publish for a street or community,
and each office's address, hours and phone. Residents read; admins of the area write."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor, ForbiddenError, NotFoundError, ValidationError, in_region
from callcenter.models import Region
from callcenter.models.base import utcnow
from callcenter.models.public import Announcement, OfficeInfo
from callcenter.services.regions import ancestors, subtree_clause

WRITERS = frozenset({"admin", "supervisor"})
PORTAL_LEVELS = ("street", "community")


@dataclass(frozen=True)
class AnnouncementInput:
    title: str
    body: str
    published_at: datetime | None = None
    expires_at: datetime | None = None

    def checked(self) -> "AnnouncementInput":
        title, body = (self.title or "").strip(), (self.body or "").strip()
        if not title or len(title) > 200:
            raise ValidationError("标题必填，最多200字", "title")
        if not body or len(body) > 10000:
            raise ValidationError("正文必填，最多10000字", "body")
        if self.expires_at and self.published_at and self.expires_at <= self.published_at:
            raise ValidationError("截止时间须晚于发布时间", "expires_at")
        return AnnouncementInput(title, body, self.published_at, self.expires_at)


def portal_region(session: Session, code: str) -> Region:
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is None or region.level not in PORTAL_LEVELS:
        raise NotFoundError("no portal for this area")
    return region


def portal_regions(session: Session, under: Region | None = None) -> list[Region]:
    stmt = select(Region).where(Region.level.in_(PORTAL_LEVELS)).order_by(Region.path)
    if under is not None:
        stmt = stmt.where(subtree_clause(Region.path, under.path))
    return list(session.scalars(stmt))


def publish(session: Session, actor: Actor, region: Region, data: AnnouncementInput,
            now: datetime | None = None) -> Announcement:
    _require_writer(actor, region)
    now = now or utcnow()
    data = data.checked()
    row = Announcement(region_id=region.id, title=data.title, body=data.body,
                       published_at=data.published_at or now, expires_at=data.expires_at,
                       created_by_id=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    return row


def withdraw(session: Session, actor: Actor, announcement_id: int,
             now: datetime | None = None) -> Announcement:
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFoundError("announcement not found")
    _require_writer(actor, row.region)
    row.withdrawn_at = row.withdrawn_at or now or utcnow()
    session.flush()
    return row


def current(session: Session, region: Region, now: datetime | None = None,
            limit: int = 20) -> list[Announcement]:
    """Live notices of this area and the areas above it, newest first."""
    now = now or utcnow()
    ids = [r.id for r in ancestors(session, region)]
    return list(session.scalars(select(Announcement).where(
        Announcement.region_id.in_(ids), Announcement.withdrawn_at.is_(None),
        Announcement.published_at <= now,
        or_(Announcement.expires_at.is_(None), Announcement.expires_at > now))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)))


def all_for(session: Session, region: Region) -> list[Announcement]:
    """Every notice of this area, for its admin page (withdrawn and scheduled too)."""
    return list(session.scalars(select(Announcement).where(Announcement.region_id == region.id)
                                .order_by(Announcement.published_at.desc())))


def office(session: Session, region: Region) -> OfficeInfo | None:
    return session.scalars(select(OfficeInfo).where(OfficeInfo.region_id == region.id)).first()


def save_office(session: Session, actor: Actor, region: Region, *, address: str, hours: str,
                phone: str, intro: str = "", now: datetime | None = None) -> OfficeInfo:
    _require_writer(actor, region)
    for name, value, limit in (("address", address, 255), ("hours", hours, 255),
                               ("phone", phone, 40), ("intro", intro, 4000)):
        if len((value or "").strip()) > limit:
            raise ValidationError(f"{name} 最多{limit}字", name)
    row = office(session, region) or OfficeInfo(region_id=region.id)
    session.add(row)
    row.address, row.hours, row.phone = address.strip(), hours.strip(), phone.strip()
    row.intro, row.updated_by_id, row.updated_at = intro.strip(), actor.user_id, now or utcnow()
    session.flush()
    return row


def _require_writer(actor: Actor, region: Region) -> None:
    if actor.role not in WRITERS or actor.user_id is None:
        raise ForbiddenError("只有管理员和班长可以发布公告")
    if not in_region(actor.region_path, region.path):
        raise ForbiddenError("该区域不在您的管辖范围内")
