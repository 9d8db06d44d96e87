"""Community figures (社区基本情况 / 人口 / 特殊人群): residents per region by tag, age band and
gender, and which vulnerable residents got in touch and about what."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from callcenter.models import Category, Region, Resident, ResidentTag, Ticket
from callcenter.services.regions import subtree_clause
from callcenter.services.stats.periods import DateRange
from callcenter.services.stats.tickets import Node, _child_path

AGE_BANDS = ((0, 17, "0-17"), (18, 59, "18-59"), (60, 69, "60-69"), (70, 79, "70-79"), (80, 200, "80+"))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band(on: date):
    """CASE giving the age band on `on`; born on or before `on` minus N years means age ≥ N."""
    whens = [(Resident.birth_date > _years_before(on, lo_next), label)
             for (_, hi, label), lo_next in zip(AGE_BANDS, [b[0] for b in AGE_BANDS[1:]] + [999])]
    return case((Resident.birth_date.is_(None), "unknown"), *whens, else_="unknown")


def _scoped(node: Node):
    return select().select_from(Resident).join(Region, Region.id == Resident.region_id) \
        .where(subtree_clause(Region.path, node.path))


def profile(session: Session, node: Node, on: date) -> dict:
    """Totals for the node: residents, by gender, by age band, by tag."""
    band = age_band(on)
    base = _scoped(node)
    total = session.scalar(base.add_columns(func.count()))
    gender = func.coalesce(Resident.gender, literal_column("'-'"))
    genders = dict(session.execute(base.add_columns(gender, func.count()).group_by(gender)).all())
    bands = dict(session.execute(base.add_columns(band, func.count()).group_by(band)).all())
    tags = dict(session.execute(base.join(ResidentTag, ResidentTag.resident_id == Resident.id)
                                .add_columns(ResidentTag.tag, func.count())
                                .group_by(ResidentTag.tag)).all())
    return {"residents": int(total or 0), "by_gender": genders,
            "by_age": {label: int(bands.get(label, 0)) for *_, label in AGE_BANDS} |
            ({"unknown": int(bands["unknown"])} if bands.get("unknown") else {}),
            "by_tag": {k: int(v) for k, v in sorted(tags.items())}}


def children_by_tag(session: Session, node: Node) -> list[dict]:
    """Residents and each tag's count per child region, side by side (本级 first when any)."""
    kids = session.execute(select(Region.id, Region.path, Region.name)
                           .where(Region.parent_id == node.id).order_by(Region.code)).all()
    acc: dict = defaultdict(lambda: defaultdict(int))
    base = _scoped(node)
    for path, n in session.execute(base.add_columns(Region.path, func.count()).group_by(Region.path)):
        acc[_child_path(node.path, path)]["residents"] += n
    tagged = base.join(ResidentTag, ResidentTag.resident_id == Resident.id) \
        .add_columns(Region.path, ResidentTag.tag, func.count()).group_by(Region.path, ResidentTag.tag)
    for path, tag, n in session.execute(tagged):
        acc[_child_path(node.path, path)][tag] += n
    rows = [{"region_id": node.id, "name": "本级", **acc[node.path]}] if node.path in acc else []
    return rows + [{"region_id": k.id, "name": k.name, "residents": 0, **acc.get(k.path, {})}
                   for k in kids]


def vulnerable_contacts(session: Session, node: Node, rng: DateRange, limit: int = 500) -> list[dict]:
    """Tagged residents of the node who opened tickets in the range: who, which tags, about what.
    Names are shown masked (张*三): the figure is about needs, not identities."""
    lo, hi = rng.utc_bounds()
    tags = select(ResidentTag.resident_id, func.count().label("n")).group_by(ResidentTag.resident_id).subquery()
    rows = session.execute(
        select(Resident.id, Resident.name, Ticket.number, Ticket.type, Ticket.created_at,
               Category.name.label("category"))
        .join(tags, tags.c.resident_id == Resident.id)
        .join(Ticket, Ticket.resident_id == Resident.id)
        .outerjoin(Category, Category.id == Ticket.category_id)
        .where(subtree_clause(Ticket.region_path, node.path), Ticket.created_at >= lo,
               Ticket.created_at < hi)
        .order_by(Ticket.created_at.desc()).limit(limit)).all()
    tag_names = defaultdict(list)
    for rid, tag in session.execute(select(ResidentTag.resident_id, ResidentTag.tag)
                                    .where(ResidentTag.resident_id.in_({r.id for r in rows}))):
        tag_names[rid].append(tag)
    return [{"resident": mask_name(r.name), "tags": sorted(tag_names[r.id]), "ticket": r.number,
             "type": r.type, "category": r.category or "", "created_at": r.created_at} for r in rows]


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
