"""Find residents the way an agent types: name, pinyin, initials, phone, last 4 digits, address.

Always scoped to the actor's region subtree; results carry masked values only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session, selectinload

from callcenter.domain import idcard, privacy
from callcenter.domain.names import is_latin_query
from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import Actor
from callcenter.models import Region, Resident, ResidentPhone
from callcenter.services.regions import subtree_clause
from callcenter.services.residents import require_reader

_DIALLED = re.compile(r"^[\d\s\-+()（）]+$")


@dataclass(frozen=True)
class ResidentSummary:
    id: int
    name: str
    phone_masked: str
    id_masked: str | None
    address: str
    region: str
    tags: tuple[str, ...]


def search_residents(session: Session, actor: Actor, query: str,
                     limit: int = 20) -> list[ResidentSummary]:
    """Residents in scope matching `query`; exact name hits first, then by name."""
    require_reader(actor)
    text = (query or "").strip()
    if not text:
        return []
    condition, exact = _condition(text)
    if condition is None:
        return []
    in_scope = Resident.region_id.in_(
        select(Region.id).where(subtree_clause(Region.path, actor.region_path)))
    stmt = (select(Resident).where(in_scope, condition)
            .options(selectinload(Resident.phones), selectinload(Resident.tags),
                     selectinload(Resident.region))
            .order_by(case((exact, 0), else_=1), Resident.name_pinyin, Resident.id)
            .limit(max(1, min(limit, 200))))
    return [_summary(r, actor) for r in session.scalars(stmt)]


def _condition(text: str):
    """(filter, 'exact hit' expression) for what the query looks like."""
    compact = re.sub(r"[\s\-()（）]", "", text)
    if len(compact) == 4 and (compact.isdigit() or compact[:3].isdigit() and compact[3] in "xX"):
        last4 = compact.upper()
        phone_hit = Resident.id.in_(select(ResidentPhone.resident_id)
                                    .where(ResidentPhone.last4 == last4))
        return or_(phone_hit, Resident.id_last4 == last4), Resident.id_last4 == last4
    if idcard.is_valid(compact):
        hit = Resident.id_number == idcard.clean(compact)
        return hit, hit
    if _DIALLED.match(text):
        e164 = try_normalize(text)
        if e164 is None:
            return None, None
        hit = Resident.id.in_(select(ResidentPhone.resident_id).where(ResidentPhone.e164 == e164))
        return hit, hit
    if is_latin_query(text):
        key = _like_escape(re.sub(r"\s+", "", text.lower()))
        return (or_(Resident.name_pinyin.like(f"{key}%", escape="\\"),
                    Resident.name_initials.like(f"{key}%", escape="\\")),
                or_(Resident.name_pinyin == key, Resident.name_initials == key))
    key = _like_escape(text)
    return (or_(Resident.name.like(f"{key}%", escape="\\"),
                Resident.address.like(f"%{key}%", escape="\\")),
            Resident.name == text)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(resident: Resident, actor: Actor) -> ResidentSummary:
    first = resident.phones[0].e164 if resident.phones else None
    return ResidentSummary(
        id=resident.id, name=resident.name, phone_masked=privacy.masked_phone(first),
        id_masked=privacy.masked_id(actor.role, resident.id_number), address=resident.address,
        region=resident.region.name, tags=tuple(resident.tag_names))


def recent_residents(session: Session, actor: Actor, limit: int = 50) -> list[ResidentSummary]:
    """The most recently changed residents in scope: the list page before any search."""
    require_reader(actor)
    in_scope = Resident.region_id.in_(
        select(Region.id).where(subtree_clause(Region.path, actor.region_path)))
    stmt = (select(Resident).where(in_scope)
            .options(selectinload(Resident.phones), selectinload(Resident.tags),
                     selectinload(Resident.region))
            .order_by(Resident.updated_at.desc(), Resident.id.desc()).limit(limit))
    return [_summary(r, actor) for r in session.scalars(stmt)]
