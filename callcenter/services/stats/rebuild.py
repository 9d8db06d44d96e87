"""Recount the ticket summaries from the base tables in SQL: the rebuild and the audit.

`recount_*` return the rows the summaries must hold (the same rules as contributions.py,
written as GROUP BY); `rebuild` replaces the summaries with them (after a bulk load or a
repair), and `differences` lists every row where the stored summary and the recount differ.
"""
from __future__ import annotations

from sqlalchemy import Date, case, delete, func, insert, literal, select
from sqlalchemy.engine import Connection

from callcenter.models import Ticket, TicketEvent
from callcenter.models.stats import NEVER, STREET_GRAINS, RegionRollup
from callcenter.services.stats.contributions import GRAINS
from callcenter.services.stats.maintenance import TABLES
from callcenter.services.stats.rollups import ensure_all
from callcenter.services.stats import ticket_sql
from callcenter.services.stats.sqlfuncs import local_day, local_month

T = Ticket.__table__.c
R = RegionRollup.__table__.c


def _period(grain: str, at=T.created_at):
    return local_day(at) if grain in ("d", "D") else local_month(at)


def _path(grain: str):
    """Street rows (d/m) by rollup path, area rows (D/M) by area path, in one column."""
    return R.rollup_path if grain in STREET_GRAINS else R.area_path.label("rollup_path")


def _measures():
    return [func.count().label("n")] + [
        func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name)
        for name, cond in ticket_sql.flags().items()
    ] + [func.coalesce(func.sum(ticket_sql.handle_seconds()), 0).label("handle_seconds")]


def _joined():
    return Ticket.__table__.join(RegionRollup.__table__, R.region_path == T.region_path)


def periods_select(grain: str):
    period, path = _period(grain), _path(grain)
    return (select(literal(grain).label("grain"), period.label("period"), path, T.type,
                   T.status, *_measures())
            .select_from(_joined()).group_by(period, path, T.type, T.status))


def dimensions_select(grain: str, dim: str):
    period, path, value = _period(grain), _path(grain), ticket_sql.dimension_value(dim)
    return (select(literal(grain).label("grain"), period.label("period"), path,
                   literal(dim).label("dim"), value.label("value"), func.count().label("n"))
            .select_from(_joined()).group_by(period, path, value))


def actions_select(grain: str):
    E = TicketEvent.__table__.c
    period, path = _period(grain, E.at), _path(grain)
    joined = TicketEvent.__table__.join(Ticket.__table__, T.id == E.ticket_id) \
        .join(RegionRollup.__table__, R.region_path == T.region_path)
    return (select(literal(grain).label("grain"), period.label("period"), path, E.action,
                   func.count().label("n"))
            .select_from(joined).group_by(period, path, E.action))


def deadline_days():
    """(accept day, complete day) as contributions.deadline_days, in SQL."""
    never = literal(NEVER, Date())
    accept = case((T.status == "dispatched", local_day(T.accept_deadline)), else_=None)
    return (func.coalesce(accept, never).label("accept_day"),
            func.coalesce(local_day(T.complete_deadline), never).label("complete_day"))


def open_select(grain: str):
    """Open tickets now per received day, path, deadline days and escalated (grains d/D)."""
    period, path = _period(grain), _path(grain)
    accept, complete = deadline_days()
    escalated = case((T.escalation_level > 0, 1), else_=0).label("escalated")
    return (select(literal(grain).label("grain"), period.label("period"), path, accept, complete,
                   escalated, func.count().label("n"))
            .select_from(_joined()).where(T.status.in_(ticket_sql.OPEN))
            .group_by(period, path, accept, complete, escalated))


def recount_selects() -> dict[str, list]:
    return {
        "periods": [periods_select(g) for g in GRAINS],
        "dimensions": [dimensions_select(g, d) for g in GRAINS
                       for d in ("channel", "category", "target")],
        "actions": [actions_select(g) for g in GRAINS],
        "open": [open_select(g) for g in ("d", "D")],
    }


def recount(conn: Connection) -> dict[tuple, dict[str, int]]:
    """Every summary row the base tables call for, keyed like contributions.Rows."""
    ensure_all(conn)
    out = {}
    for name, selects in recount_selects().items():
        keys = TABLES[name][1]
        for stmt in selects:
            for row in conn.execute(stmt).mappings():
                key = (name, *(row[k] for k in keys))
                out[key] = {k: int(v) for k, v in row.items() if k not in keys}
    return out


def stored(conn: Connection) -> dict[tuple, dict[str, int]]:
    """The summary rows as stored, leaving out rows whose measures all came back to zero."""
    out = {}
    for name, (model, keys) in TABLES.items():
        for row in conn.execute(select(model.__table__)).mappings():
            measures = {k: int(v) for k, v in row.items() if k not in keys}
            if any(measures.values()):
                out[(name, *(row[k] for k in keys))] = measures
    return out


def differences(conn: Connection) -> list[tuple]:
    want, have = recount(conn), stored(conn)
    return sorted(((k, want.get(k), have.get(k)) for k in set(want) | set(have)
                   if want.get(k) != have.get(k)), key=lambda d: tuple(map(str, d[0])))


def rebuild(conn: Connection, names=tuple(TABLES)) -> dict[str, int]:
    """Replace the ticket summaries (`names`: those a migration has made so far) with a
    recount; return rows written per table."""
    ensure_all(conn)
    written = {}
    for name, selects in recount_selects().items():
        if name not in names:
            continue
        model, _keys = TABLES[name]
        conn.execute(delete(model.__table__))
        for stmt in selects:
            cols = [c.name for c in stmt.selected_columns]
            conn.execute(insert(model.__table__).from_select(cols, stmt))
        written[name] = conn.scalar(select(func.count()).select_from(model.__table__))
    return written
