"""Departments (承办单位) and providers (服务加盟商): records, channels, capacity and rating."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from callcenter.domain import phones
from callcenter.domain.channels import (
    DEPARTMENT_KINDS, PROVIDER_KINDS, ChannelError, clean_channels)
from callcenter.domain.tickets import Actor, ForbiddenError, NotFoundError, ValidationError
from callcenter.models import Category, Department, Provider, Region, Ticket
from callcenter.models.base import utcnow
from callcenter.models.org import provider_regions
from callcenter.services.regions import subtree_clause

OPEN_JOB_STATES = ("dispatched", "accepted")
RATING_WINDOW = timedelta(days=180)


@dataclass
class DepartmentInput:
    code: str
    name: str
    region_id: int
    region_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)  # [{"name", "phone", "title"}]
    channels: list[dict] = field(default_factory=lambda: [{"kind": "portal"}])
    active: bool = True


@dataclass
class ProviderInput:
    code: str
    name: str
    category_ids: list[int] = field(default_factory=list)
    region_ids: list[int] = field(default_factory=list)
    contact: dict = field(default_factory=dict)  # {"name", "phone"}
    channels: list[dict] = field(default_factory=lambda: [{"kind": "portal"}])
    capacity: int = 10
    active: bool = True
    notes: str = ""


def require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise ForbiddenError("only administrators manage departments, providers and rules")


def _regions(session: Session, actor: Actor, ids: list[int]) -> list[Region]:
    regions = list(session.scalars(select(Region).where(Region.id.in_(ids)))) if ids else []
    if len(regions) != len(set(ids)) or any(not r.path.startswith(actor.region_path)
                                            for r in regions):
        raise ValidationError("unknown region or outside your scope", "region_ids")
    return regions


def _categories(session: Session, ids: list[int]) -> list[Category]:
    cats = list(session.scalars(select(Category).where(Category.id.in_(ids)))) if ids else []
    if len(cats) != len(set(ids)):
        raise ValidationError("unknown category", "category_ids")
    return cats


def _basics(code: str, name: str) -> None:
    if not code.strip() or len(code) > 40:
        raise ValidationError("code is required (at most 40 characters)", "code")
    if not name.strip() or len(name) > 100:
        raise ValidationError("name is required (at most 100 characters)", "name")


def _channels(raw: list[dict], kinds) -> list[dict]:
    try:
        return clean_channels(raw, kinds)
    except ChannelError as exc:
        raise ValidationError(str(exc), "channels") from None


def _contact_phone(value: str) -> str:
    try:
        return phones.normalize(value) if value else ""
    except phones.PhoneError:
        raise ValidationError(f"无法识别的联系电话：{value}", "contact") from None


def save_department(session: Session, actor: Actor, data: DepartmentInput,
                    dept_id: int | None = None) -> Department:
    require_admin(actor)
    _basics(data.code, data.name)
    dept = get_department(session, actor, dept_id) if dept_id else None
    _unique(session, Department, data.code, dept_id)
    home = _regions(session, actor, [data.region_id])[0]
    contacts = [{"name": c.get("name", "").strip(), "title": c.get("title", "").strip(),
                 "phone": _contact_phone(c.get("phone", "").strip())}
                for c in data.contacts if c.get("name", "").strip()]
    if dept is None:
        dept = Department(code=data.code, name=data.name, region=home)
        session.add(dept)
    dept.code, dept.name, dept.region, dept.active = data.code, data.name, home, data.active
    dept.regions = _regions(session, actor, data.region_ids or [home.id])
    dept.categories = _categories(session, data.category_ids)
    dept.contact = {"people": contacts}
    dept.channels = _channels(data.channels, DEPARTMENT_KINDS)
    session.flush()
    return dept


def save_provider(session: Session, actor: Actor, data: ProviderInput,
                  provider_id: int | None = None) -> Provider:
    require_admin(actor)
    _basics(data.code, data.name)
    if not 1 <= data.capacity <= 10000:
        raise ValidationError("capacity must be between 1 and 10000 open jobs", "capacity")
    prov = get_provider(session, actor, provider_id) if provider_id else None
    _unique(session, Provider, data.code, provider_id)
    if prov is None:
        prov = Provider(code=data.code, name=data.name, rating=5.0)
        session.add(prov)
    prov.code, prov.name, prov.capacity = data.code, data.name, data.capacity
    prov.active, prov.notes = data.active, data.notes
    prov.regions = _regions(session, actor, data.region_ids)
    prov.categories = _categories(session, data.category_ids)
    prov.contact = {"name": data.contact.get("name", "").strip(),
                    "phone": _contact_phone(data.contact.get("phone", "").strip())}
    prov.channels = _channels(data.channels, PROVIDER_KINDS)
    session.flush()
    return prov


def _unique(session: Session, model, code: str, own_id: int | None) -> None:
    clash = session.scalars(select(model.id).where(model.code == code)).first()
    if clash is not None and clash != own_id:
        raise ValidationError("another record has this code", "code")


def list_departments(session: Session, actor: Actor) -> list[Department]:
    return list(session.scalars(select(Department).join(Region, Region.id == Department.region_id)
                                .where(subtree_clause(Region.path, actor.region_path))
                                .order_by(Department.code)))


def get_department(session: Session, actor: Actor, dept_id: int) -> Department:
    dept = session.get(Department, dept_id)
    if dept is None or not dept.region.path.startswith(actor.region_path):
        raise NotFoundError("department not found")
    return dept


def list_providers(session: Session, actor: Actor) -> list[Provider]:
    """Providers serving somewhere in the actor's subtree, or not yet assigned an area."""
    served = select(provider_regions.c.provider_id).join(
        Region, Region.id == provider_regions.c.region_id).where(
        or_(subtree_clause(Region.path, actor.region_path),
            func.substr(actor.region_path, 1, func.length(Region.path)) == Region.path))
    unassigned = ~Provider.id.in_(select(provider_regions.c.provider_id))
    return list(session.scalars(select(Provider).where(or_(Provider.id.in_(served), unassigned))
                                .order_by(Provider.code)))


def get_provider(session: Session, actor: Actor, provider_id: int) -> Provider:
    prov = session.get(Provider, provider_id)
    if prov is None or prov not in list_providers(session, actor):
        raise NotFoundError("provider not found")
    return prov


def open_jobs(session: Session) -> dict[int, int]:
    """Provider id → tickets dispatched to it and not yet resolved."""
    rows = session.execute(select(Ticket.target_provider_id, func.count())
                           .where(Ticket.target_provider_id.is_not(None),
                                  Ticket.status.in_(OPEN_JOB_STATES))
                           .group_by(Ticket.target_provider_id))
    return {pid: n for pid, n in rows}


def refresh_ratings(session: Session, now: datetime | None = None) -> dict[int, float]:
    """Set each provider's rating to its residents' mean satisfaction over the last 180 days."""
    since = (now or utcnow()) - RATING_WINDOW
    rows = session.execute(select(Ticket.target_provider_id, func.avg(Ticket.satisfaction))
                           .where(Ticket.target_provider_id.is_not(None),
                                  Ticket.satisfaction.is_not(None), Ticket.created_at >= since)
                           .group_by(Ticket.target_provider_id))
    ratings = {pid: round(float(avg), 2) for pid, avg in rows}
    for prov in session.scalars(select(Provider).where(Provider.id.in_(ratings))):
        prov.rating = ratings[prov.id]
    session.flush()
    return ratings
