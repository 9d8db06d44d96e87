"""Resident records (社区居民): caller-ID lookup, scoped reads with masking, audited reveals, edits.

Reads hand back masked values; `reveal` is the only way to a full ID number or phone,
and it writes an audit entry in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.functions import aggregate_strings

from callcenter.domain import privacy
from callcenter.domain.names import initials_key, pinyin_key
from callcenter.domain.phones import try_normalize
from callcenter.domain.resident_rows import ResidentRecord
from callcenter.domain.tickets import Actor, ForbiddenError, NotFoundError, ValidationError
from callcenter.models import Category, Region, Resident, ResidentPhone, ResidentTag, Ticket
from callcenter.models.base import utcnow
from callcenter.services import audit
from callcenter.services.regions import subtree_clause

LAST_TICKETS = 5


@dataclass(frozen=True)
class CallerMatch:
    """Who may be calling from a number: what the agent's screen-pop shows."""

    resident_id: int
    name: str
    phone: str
    phone_masked: str
    address: str
    region_id: int
    grid: str
    tags: list[str]
    language: str
    last_tickets: list[dict]


def lookup_caller(session: Session, number: str) -> list[CallerMatch]:
    """Every resident on `number` (any notation), with tags and last 5 tickets, in one query."""
    e164 = try_normalize(number)
    if e164 is None:
        return []
    return _fold_matches(session.execute(_lookup_statement(), {"e164": e164}).all(), e164)


@lru_cache(maxsize=1)
def _lookup_statement():
    """Built once: the caller-ID path runs on every ringing call, so skip re-building it."""
    e164 = bindparam("e164")
    ranked = (select(Ticket.resident_id, Ticket.number, Ticket.status, Ticket.type,
                     Category.name.label("category"), Ticket.created_at,
                     func.row_number().over(partition_by=Ticket.resident_id,
                                            order_by=(Ticket.created_at.desc(), Ticket.id.desc()))
                     .label("rn"))
              .outerjoin(Category, Category.id == Ticket.category_id)
              .where(Ticket.resident_id.in_(
                  select(ResidentPhone.resident_id).where(ResidentPhone.e164 == e164)))
              .subquery())
    tags = (select(aggregate_strings(ResidentTag.tag, "|"))
            .where(ResidentTag.resident_id == Resident.id).scalar_subquery())
    return (select(Resident.id, Resident.name, Resident.address, Resident.region_id,
                   Region.name.label("grid"), Resident.language, tags.label("tags"),
                   ranked.c.number, ranked.c.status, ranked.c.type, ranked.c.category,
                   ranked.c.created_at)
            .select_from(ResidentPhone)
            .join(Resident, Resident.id == ResidentPhone.resident_id)
            .join(Region, Region.id == Resident.region_id)
            .outerjoin(ranked, and_(ranked.c.resident_id == Resident.id,
                                    ranked.c.rn <= LAST_TICKETS))
            .where(ResidentPhone.e164 == e164)
            .order_by(Resident.id, ranked.c.rn))


def _fold_matches(rows, e164: str) -> list[CallerMatch]:
    matches: dict[int, CallerMatch] = {}
    for row in rows:
        match = matches.get(row.id)
        if match is None:
            match = matches[row.id] = CallerMatch(
                resident_id=row.id, name=row.name, phone=e164,
                phone_masked=privacy.masked_phone(e164), address=row.address,
                region_id=row.region_id, grid=row.grid,
                tags=sorted(t for t in (row.tags or "").split("|") if t),
                language=row.language, last_tickets=[])
        if row.number is not None:
            match.last_tickets.append({
                "number": row.number, "status": row.status, "type": row.type,
                "category": row.category, "created_at": row.created_at})
    return list(matches.values())


def require_reader(actor: Actor) -> None:
    if actor.role not in privacy.READERS:
        raise ForbiddenError(f"role {actor.role} may not read resident records")


def require_editor(actor: Actor) -> None:
    if actor.role not in privacy.EDITORS:
        raise ForbiddenError(f"role {actor.role} may not change resident records")


def get_resident(session: Session, actor: Actor, resident_id: int) -> Resident:
    """The resident, if inside the actor's region subtree (else not found: no existence leak)."""
    require_reader(actor)
    resident = session.get(Resident, resident_id, options=[
        selectinload(Resident.phones), selectinload(Resident.tags)])
    if resident is None or not resident.region.path.startswith(actor.region_path):
        raise NotFoundError("resident not found")
    return resident


def resident_view(resident: Resident, actor: Actor) -> dict:
    """A masked, JSON-ready view; full values only through `reveal`."""
    return {
        "id": resident.id, "name": resident.name, "gender": resident.gender,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
        "age": _age(resident.birth_date),
        "id_number": privacy.masked_id(actor.role, resident.id_number),
        "phones": [{"id": p.id, "masked": privacy.masked_phone(p.e164)} for p in resident.phones],
        "address": resident.address, "region_id": resident.region_id,
        "region": resident.region.name, "grid_code": resident.region.code,
        "tags": resident.tag_names, "language": resident.language, "notes": resident.notes,
    }


def reveal(session: Session, actor: Actor, resident_id: int, field: str,
           phone_id: int | None = None) -> str:
    """Return one full value for a role that needs it, and audit the view."""
    resident = get_resident(session, actor, resident_id)
    if not privacy.can_reveal(actor.role, field):
        raise ForbiddenError(f"role {actor.role} may not see the full {field}")
    if field == "id_number":
        value = resident.id_number or ""
    else:
        phone = next((p for p in resident.phones if phone_id in (None, p.id)), None)
        if phone is None:
            raise NotFoundError("phone not found")
        value, phone_id = phone.e164, phone.id
    audit.record(session, actor, f"reveal_{field}", "resident", resident.id,
                 **({"phone_id": phone_id} if field == "phone" else {}))
    return value


def household(session: Session, actor: Actor, resident: Resident) -> list[Resident]:
    """Other residents at the same address (户), inside the actor's scope."""
    if not resident.household_key:
        return []
    rows = session.scalars(select(Resident).join(Region).where(
        Resident.household_key == resident.household_key, Resident.id != resident.id,
        subtree_clause(Region.path, actor.region_path)).order_by(Resident.id).limit(20))
    return list(rows)


def recent_tickets(session: Session, resident_id: int, limit: int = 20) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.resident_id == resident_id)
                                .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))


def region_for_code(session: Session, actor: Actor, code: str) -> Region:
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is None or not region.path.startswith(actor.region_path):
        raise ValidationError(f"unknown region {code}", "grid_code")
    return region


def save_record(session: Session, actor: Actor, record: ResidentRecord,
                resident: Resident | None = None, *, notes: str | None = None,
                language: str | None = None) -> Resident:
    """Create or overwrite a resident from a validated record (form or import row)."""
    require_editor(actor)
    region = region_for_code(session, actor, record.grid_code)
    if record.id_number:
        clash = session.scalars(select(Resident.id).where(
            Resident.id_number == record.id_number)).first()
        if clash is not None and (resident is None or clash != resident.id):
            raise ValidationError("another resident has this ID number", "id_number")
    if resident is None:
        resident = Resident(name=record.name, region=region)
        session.add(resident)
    apply_record(resident, record, region)
    if notes is not None:
        resident.notes = notes[:2000]
    if language in ("zh", "en"):
        resident.language = language
    session.flush()
    return resident


def apply_record(resident: Resident, record: ResidentRecord, region: Region) -> None:
    resident.name = record.name
    resident.name_pinyin = pinyin_key(record.name)
    resident.name_initials = initials_key(record.name)
    resident.gender = record.gender
    resident.birth_date = record.birth_date
    resident.id_number = record.id_number
    resident.id_last4 = record.id_number[-4:] if record.id_number else None
    resident.address = record.address
    resident.household_key = household_key(record.address)
    resident.region = region
    resident.updated_at = utcnow()
    keep = {p.e164: p for p in resident.phones}
    resident.phones = [keep.get(e) or ResidentPhone(e164=e, last4=e[-4:]) for e in record.phones]
    tags = {t.tag: t for t in resident.tags}
    resident.tags = [tags.get(t) or ResidentTag(tag=t) for t in record.tags]


def household_key(address: str) -> str:
    """Addresses that differ only in spaces or full-width digits are one household."""
    table = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("－"): ord("-")}
    return "".join(address.translate(table).split())


def delete_resident(session: Session, actor: Actor, resident_id: int) -> None:
    require_editor(actor)
    resident = get_resident(session, actor, resident_id)
    if session.scalar(select(func.count()).where(Ticket.resident_id == resident.id)):
        raise ValidationError("resident has tickets; their history is kept", "id")
    audit.record(session, actor, "delete", "resident", resident.id)
    session.delete(resident)
    session.flush()


def _age(born: date | None) -> int | None:
    if born is None:
        return None
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
