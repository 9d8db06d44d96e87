"""Where ticket figures come from: the summary tables at or above street level, the base
tables below it. Both give the same sums; callers never choose."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache

from sqlalchemy import Date, and_, bindparam, case, func, or_, select, true, union_all
from sqlalchemy.orm import Session

from callcenter.models import Ticket, TicketEvent
from callcenter.models.regions import LEVELS
from callcenter.models.stats import (AREA_GRAINS, TICKET_MEASURES, RegionRollup, TicketActionCount,
                                     TicketDimension, TicketOpenStock, TicketPeriod)
from callcenter.services.regions import subtree_clause
from callcenter.services.stats import ticket_sql
from callcenter.services.stats.periods import DateRange, local_date
from callcenter.services.stats.rollups import ROLLUP_LEVEL, area_covers, summary_covers
from callcenter.services.stats.sqlfuncs import local_day

T = Ticket.__table__.c
R = RegionRollup.__table__.c


# False reads the street rows only: the tests compare every figure both ways.
AREA_ROWS = True


def _grains(rng: DateRange, need_days: bool, area: bool) -> list[tuple[str, date, date]]:
    """(grain, first, last period) triples covering the range: whole months from the monthly
    rows (first..last month start), the edges from the daily rows; area rows (D/M) when
    `area`, else street rows."""
    day, month = ("D", "M") if area else ("d", "m")
    if need_days:
        return [(day, rng.start, rng.end)]
    months, edges = rng.split_months()
    out = [(month, months[0], months[-1])] if months else []
    return out + [(day, e.start, e.end) for e in edges]


def _uses_area(level: str, group) -> bool:
    return AREA_ROWS and area_covers(level, "rollup_path" in group)


def _names_paths(level: str, grain: str) -> bool:
    """On street rows a district or street names its rollup paths (from
    stats_region_rollups, where every summary row's path comes from), so PostgreSQL reads
    each one's period range on the region-first index; a city or wider, and any node on
    the area rows (a district is one area path), reads a path range."""
    return grain not in AREA_GRAINS and LEVELS.index(level) >= LEVELS.index("district")


def _subtree_param(column):
    """`column` under the node: lo_path <= column < hi_path (as subtree_clause)."""
    return and_(column >= bindparam("lo_path"), column < bindparam("hi_path"))


def _path_params(path: str) -> dict:
    return {"lo_path": path, "hi_path": path[:-1] + chr(ord(path[-1]) + 1)}


_MODELS = {m.__tablename__: m for m in (TicketPeriod, TicketDimension, TicketActionCount)}


@lru_cache(maxsize=512)
def _summary_statement(table: str, group: tuple, names: tuple, grains: tuple, named: bool,
                       extra: str | None):
    """Built once per shape, with bind parameters: constructing a select of ten sums costs
    about as much as PostgreSQL takes to answer it, and dashboards run per request. One
    statement reads the monthly and the edge days' rows together (one round trip)."""
    c = _MODELS[table].__table__.c
    cols = [c[g] for g in group]
    periods = or_(*(and_(c.grain == grain, c.period >= bindparam(f"p{i}a", type_=Date),
                         c.period <= bindparam(f"p{i}b", type_=Date))
                    for i, grain in enumerate(grains)))
    where = [periods, c.rollup_path.in_(select(R.rollup_path).where(_subtree_param(R.rollup_path)))
             if named else _subtree_param(c.rollup_path)]
    if extra == "dim":
        where.append(c.dim == bindparam("dim"))
    elif extra == "action":
        where.append(c.action.in_(bindparam("actions", expanding=True)))
    return select(*cols, *[func.sum(c[m]).label(m) for m in names]).where(*where).group_by(*cols)


def _summary(session: Session, model, path: str, level: str, rng: DateRange, group: list[str],
             names: tuple, need_days: bool = False, extra: str | None = None,
             params: dict | None = None) -> list:
    grains = _grains(rng, need_days, _uses_area(level, group))
    shape = tuple(g for g, _, _ in grains)
    stmt = _summary_statement(model.__tablename__, tuple(group), tuple(names), shape,
                              _names_paths(level, grains[0][0]), extra)
    values = _path_params(path) | (params or {})
    for i, (_, first, last) in enumerate(grains):
        values[f"p{i}a"], values[f"p{i}b"] = first, last
    return session.execute(stmt, values).all()


def _sum_rows(rows, width: int) -> dict:
    """Add up rows that share the first `width` columns (months and edge days come apart)."""
    out: dict = defaultdict(lambda: defaultdict(int))
    names = list(rows[0]._mapping.keys())[width:] if rows else []
    for row in rows:
        acc = out[tuple(row[:width])]
        for name, value in zip(names, row[width:]):
            acc[name] += int(value or 0)
    return out


def _base_where(path: str, rng: DateRange):
    lo, hi = rng.utc_bounds()
    return and_(subtree_clause(T.region_path, path), T.created_at >= lo, T.created_at < hi)


def _base_measures():
    return [func.count().label("n")] + [
        func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name)
        for name, cond in ticket_sql.flags().items()
    ] + [func.coalesce(func.sum(ticket_sql.handle_seconds()), 0).label("handle_seconds")]


GROUP_COLUMNS = {"type": T.type, "status": T.status, "rollup_path": T.region_path}


def measures(session: Session, path: str, level: str, rng: DateRange, group: list[str],
             names=TICKET_MEASURES) -> dict:
    """Measures (`names`, from the summaries) of tickets received in `rng` under `path`,
    grouped by columns among type, status, rollup_path (the region path below street
    level) and period (day). A street's rows cannot be split below the street, so its
    children read base tables."""
    splits_street = "rollup_path" in group and level == ROLLUP_LEVEL
    if summary_covers(level) and not splits_street:
        rows = _summary(session, TicketPeriod, path, level, rng, group, names, "period" in group)
    else:
        cols = [local_day(T.created_at).label("period") if g == "period" else
                GROUP_COLUMNS[g].label(g) for g in group]
        rows = session.execute(select(*cols, *_base_measures()).where(_base_where(path, rng))
                               .group_by(*cols)).all()
    return _sum_rows(rows, len(group))


def dimension(session: Session, path: str, level: str, rng: DateRange, dim: str,
              by_rollup: bool = False) -> dict:
    """Received tickets by channel, category id or target, optionally per rollup path."""
    group = ["rollup_path", "value"] if by_rollup else ["value"]
    if summary_covers(level):
        rows = _summary(session, TicketDimension, path, level, rng, group, ("n",),
                        extra="dim", params={"dim": dim})
        return _sum_rows(rows, len(group))
    value = ticket_sql.dimension_value(dim).label("value")
    cols = ([T.region_path.label("rollup_path")] if by_rollup else []) + [value]
    rows = session.execute(select(*cols, func.count().label("n")).where(_base_where(path, rng))
                           .group_by(*cols)).all()
    return _sum_rows(rows, len(cols))


def actions(session: Session, path: str, level: str, rng: DateRange,
            names=("return", "reopen")) -> dict[str, int]:
    """Timeline actions taken in `rng` (by the day of the action) under `path`."""
    if summary_covers(level):
        rows = _summary(session, TicketActionCount, path, level, rng, ["action"], ("n",),
                        extra="action", params={"actions": list(names)})
        found = _sum_rows(rows, 1)
        return {a: found[(a,)]["n"] if (a,) in found else 0 for a in names}
    lo, hi = rng.utc_bounds()
    E = TicketEvent.__table__.c
    stmt = select(E.action, func.count()).select_from(TicketEvent.__table__.join(
        Ticket.__table__, T.id == E.ticket_id)).where(
        subtree_clause(T.region_path, path), E.at >= lo, E.at < hi, E.action.in_(names)) \
        .group_by(E.action)
    found = dict(session.execute(stmt).all())
    return {a: int(found.get(a, 0)) for a in names}


STOCK_KEYS = ("open_now", "overdue_now", "escalated_now", "accept_overdue_now", "complete_overdue_now")
# What the figures take from the cohort (received in the range): the on-time denominators.
RATE_KEYS = ("accept_overdue_now", "complete_overdue_now")

# False counts "now" figures from the open tickets only: the tests compare both ways.
OPEN_ROWS = True


def _stock_conds(now) -> dict:
    return {"open_now": true(), "overdue_now": ticket_sql.overdue_now(now),
            "escalated_now": T.escalation_level > 0,
            "accept_overdue_now": ticket_sql.accept_overdue_now(now),
            "complete_overdue_now": ticket_sql.complete_overdue_now(now)}


def _counts(conds: dict, count, cohort, cohort_keys: tuple) -> list:
    """sum(count) per condition, and for `cohort_keys` with `cohort` (received in the
    range) once more."""
    cols = [func.coalesce(func.sum(case((c, count), else_=0)), 0).label(k) for k, c in conds.items()]
    return cols + [func.coalesce(func.sum(case((and_(cohort, conds[k]), count), else_=0)), 0)
                   .label("cohort_" + k) for k in cohort_keys]


def _keyed(rows) -> dict:
    """path → counts; a path met twice (the two parts of the stock rows) adds up."""
    out: dict = {}
    for row in rows:
        values = list(row._mapping.items())[1:]
        acc = out.setdefault(row[0], dict.fromkeys((k for k, _ in values), 0))
        for k, v in values:
            acc[k] += int(v)
    return out


def _ticket_cohort():
    return and_(T.created_at >= bindparam("c_lo", type_=T.created_at.type),
                T.created_at < bindparam("c_hi", type_=T.created_at.type))


def _cohort_params(rng: DateRange | None) -> dict:
    if rng is None:
        return {}
    lo, hi = rng.utc_bounds()
    return {"c_lo": lo, "c_hi": hi, "c_d0": rng.start, "c_d1": rng.end}


@lru_cache(maxsize=16)
def _open_statement(cohort_keys: tuple):
    now = bindparam("now", type_=T.accept_deadline.type)
    return select(T.region_path, *_counts(_stock_conds(now), 1, _ticket_cohort(), cohort_keys)) \
        .where(_subtree_param(T.region_path), T.status.in_(ticket_sql.OPEN)).group_by(T.region_path)


def stocks_by_path(session: Session, path: str, now, rng: DateRange | None = None,
                   level: str | None = None, split: bool = True,
                   cohort_keys: tuple = RATE_KEYS) -> dict:
    """Open tickets now per path under `path`: open, overdue and escalated, all received
    and, with `rng`, the cohort received in it (its still-unsettled overdue tickets for the
    on-time rates). A node at or above street level (`level`) reads the open-stock rows,
    keyed by street or district path (`split`: fine enough to tell the node's children
    apart, which a street's cannot be); any other by region path, from the partial index
    on open tickets. Of the cohort, only `cohort_keys` are counted (the figures need the
    on-time denominators)."""
    cohort_keys = tuple(cohort_keys) if rng is not None else ()
    params = _path_params(path) | _cohort_params(rng) | {"now": now}
    if OPEN_ROWS and level is not None and summary_covers(level) and \
            not (split and level == ROLLUP_LEVEL):
        grain = "D" if AREA_ROWS and area_covers(level, split) else "d"
        today = local_date(now)
        t0, t1 = DateRange(today, today).utc_bounds()
        params |= {"today": today, "t0": t0, "t1": t1}
        return _keyed(session.execute(_stock_rows_statement(grain, cohort_keys), params))
    return _keyed(session.execute(_open_statement(cohort_keys), params))


@lru_cache(maxsize=16)
def _stock_rows_statement(grain: str, cohort_keys: tuple):
    """Stock rows whose deadlines fall on other days than today (before: overdue; after:
    not), plus the open tickets with a deadline today counted one by one (a range scan
    over today's deadlines): exactly what the open tickets give, at any instant. One
    statement (UNION ALL), keyed by the rows' path; a path may come from both parts."""
    S = TicketOpenStock.__table__.c
    today = bindparam("today", type_=Date)
    conds = {"open_now": true(),
             "overdue_now": or_(S.accept_day < today, S.complete_day < today),
             "escalated_now": S.escalated == 1,
             "accept_overdue_now": S.accept_day < today,
             "complete_overdue_now": S.complete_day < today}
    in_range = S.period.between(bindparam("c_d0", type_=Date), bindparam("c_d1", type_=Date))
    rows = select(S.rollup_path.label("path"), *_counts(conds, S.n, in_range, cohort_keys)).where(
        S.grain == grain, _subtree_param(S.rollup_path),
        S.accept_day != today, S.complete_day != today).group_by(S.rollup_path)
    key = R.area_path if grain == "D" else R.rollup_path
    now = bindparam("now", type_=T.accept_deadline.type)
    lo, hi = (bindparam(name, type_=T.accept_deadline.type) for name in ("t0", "t1"))
    due_today = or_(and_(T.status == "dispatched", T.accept_deadline >= lo, T.accept_deadline < hi),
                    and_(T.status.in_(ticket_sql.OPEN), T.complete_deadline >= lo, T.complete_deadline < hi))
    counts = _counts(_stock_conds(now), 1, _ticket_cohort(), cohort_keys)
    tickets = select(key.label("path"), *counts) \
        .select_from(Ticket.__table__.join(RegionRollup.__table__,
                                           R.region_path == T.region_path)) \
        .where(due_today, _subtree_param(T.region_path)).group_by(key)
    return union_all(rows, tickets)


def fold(rows: dict, key_of) -> dict:
    """Add up per-path stock rows under key_of(path)."""
    out: dict = defaultdict(lambda: defaultdict(int))
    for path, values in rows.items():
        acc = out[key_of(path)]
        for k, v in values.items():
            acc[k] += v
    return out


def stocks(session: Session, path: str, now, rng: DateRange | None = None,
           level: str | None = None) -> dict[str, int]:
    """Open, overdue and escalated tickets now; with `rng`, of those received in it."""
    rows = stocks_by_path(session, path, now, rng, level, split=False, cohort_keys=STOCK_KEYS)
    total = fold(rows, lambda p: "all").get("all", {})
    prefix = "cohort_" if rng is not None else ""
    return {k: int(total.get(prefix + k, 0)) for k in STOCK_KEYS}
