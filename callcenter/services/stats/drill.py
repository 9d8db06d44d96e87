"""Drill-down: the tickets behind a number. Each list uses the very condition that counted
the number (ticket_sql), so its length always equals the figure it was opened from."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from callcenter.models import Category, Ticket, TicketEvent
from callcenter.services.regions import subtree_clause
from callcenter.services.stats import ticket_sql
from callcenter.services.stats.periods import DateRange

T = Ticket.__table__.c
COHORT = ("received", "valid", "cancelled", "responded_on_time", "accepted", "accepted_on_time",
          "resolved", "resolved_on_time", "rated", "satisfied", "escalated")
STOCK = ("open_now", "overdue_now", "escalated_now")
EVENTS = ("returns", "reopens")
FILTERS = ("status", "type", "channel", "target", "category_id")


LISTED = (T.id, T.number, T.type, T.status, T.created_at, T.resolved_at)  # what the list shows


class DrillError(ValueError):
    code = "invalid_drill"


def _condition(figure: str, now: datetime):
    flags = ticket_sql.flags()
    if figure in flags:
        return flags[figure]
    return {"received": true(), "valid": T.status != "cancelled",
            "cancelled": T.status == "cancelled", "open_now": T.status.in_(ticket_sql.OPEN),
            "overdue_now": ticket_sql.overdue_now(now),
            "escalated_now": and_(T.status.in_(ticket_sql.OPEN), T.escalation_level > 0)}[figure]


def _filters(session: Session, filters: dict) -> list:
    out = []
    for name, value in filters.items():
        if name not in FILTERS or value in (None, ""):
            continue
        if name == "category_id":
            path = session.scalar(select(Category.path).where(Category.id == int(value)))
            ids = select(Category.id).where(subtree_clause(Category.path, path or "/none/"))
            out.append(T.category_id.in_(ids))
        elif name in ("target",):
            out.append(ticket_sql.dimension_value("target") == value)
        else:
            out.append(getattr(T, name) == value)
    return out


def ticket_query(session: Session, path: str, figure: str, rng: DateRange | None, now: datetime,
                 filters: dict | None = None, own: bool = False):
    """The SELECT of tickets behind `figure` for the subtree at `path` (only the node
    itself with `own`: the 本级 row of a children table)."""
    if figure in EVENTS:
        return _event_query(path, figure, rng)
    if figure not in COHORT + STOCK:
        raise DrillError(f"no drill-down for {figure!r}")
    where = [T.region_path == path if own else subtree_clause(T.region_path, path),
             _condition(figure, now)]
    if figure in COHORT:
        lo, hi = rng.utc_bounds()
        where += [T.created_at >= lo, T.created_at < hi]
    where += _filters(session, filters or {})
    return select(*LISTED).where(*where)


def _event_query(path: str, figure: str, rng: DateRange):
    E = TicketEvent.__table__.c
    lo, hi = rng.utc_bounds()
    action = {"returns": "return", "reopens": "reopen"}[figure]
    return select(*LISTED).select_from(Ticket.__table__.join(TicketEvent.__table__,
                                                             E.ticket_id == T.id)).where(
        subtree_clause(T.region_path, path), E.action == action, E.at >= lo, E.at < hi)


def drill(session: Session, path: str, figure: str, rng: DateRange | None, now: datetime,
          filters: dict | None = None, page: int = 1, per_page: int = 50,
          own: bool = False) -> tuple[list, int]:
    """One page of the tickets behind a figure, newest first (rows with the listed columns:
    id, number, type, status, created_at, resolved_at), and how many there are in all.

    The count and the page are one statement — the count joined to the page — so they
    read the same snapshot (a ticket stored in between cannot make them disagree), and
    the count needs no table columns (an index-only scan where the condition allows)."""
    stmt = ticket_query(session, path, figure, rng, now, filters, own)
    total = stmt.with_only_columns(func.count().label("total")).subquery("total")
    listed = stmt.order_by(T.created_at.desc(), T.id.desc()) \
        .limit(per_page).offset((max(page, 1) - 1) * per_page).subquery("listed")
    rows = session.execute(
        select(total.c.total, *[listed.c[c.name] for c in LISTED])
        .select_from(total.outerjoin(listed, true()))
        .order_by(listed.c.created_at.desc(), listed.c.id.desc())).all()
    return [r for r in rows if r.id is not None], int(rows[0].total) if rows else 0
