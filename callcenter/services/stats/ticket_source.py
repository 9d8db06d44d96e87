"""Where ticket figures come from: the summary tables at or above street level, the base
tables below it. Both give the same sums; callers never choose."""
from __future__ import annotations

from collections import defaultdict
from sqlalchemy import and_, case, func, or_, select, true
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


def _grains(rng: DateRange, need_days: bool, area: bool):
    """(grain, condition on period) pairs covering the range: whole months from the monthly
    rows, the edges from the daily rows; area rows (D/M) when `area`, else street rows."""
    day, month = ("D", "M") if area else ("d", "m")
    if need_days:
        return [(day, rng)]
    months, edges = rng.split_months()
    out = [(month, months)] if months else []
    return out + [(day, e) for e in edges]


def _uses_area(level: str, group) -> bool:
    return AREA_ROWS and area_covers(level, "rollup_path" in group)


def _period_clause(model, grain, part):
    if grain in ("m", "M"):
        return and_(model.grain == grain, model.period.in_(part))
    return and_(model.grain == grain, model.period >= part.start, model.period <= part.end)


def _in_subtree(column, path: str, level: str, grain: str):
    """Summary rows under `path`. On street rows a district or street names its rollup
    paths (from stats_region_rollups, where every summary row's path comes from), so
    PostgreSQL reads each one's period range on the region-first index; a city or wider,
    and any node on the area rows (a district is one area path), reads a path range."""
    if grain in AREA_GRAINS or LEVELS.index(level) < LEVELS.index("district"):
        return subtree_clause(column, path)
    return column.in_(select(RegionRollup.rollup_path).where(subtree_clause(RegionRollup.rollup_path, path)))


def _summary(session: Session, model, path: str, level: str, rng: DateRange, group: list[str],
             values: list, need_days: bool = False, extra=true()) -> list:
    """One statement: the monthly and the edge days' rows together (one round trip)."""
    grains = _grains(rng, need_days, _uses_area(level, group))
    cols = [getattr(model, g) for g in group]
    stmt = select(*cols, *values).where(
        or_(*(_period_clause(model, grain, part) for grain, part in grains)),
        _in_subtree(model.rollup_path, path, level, grains[0][0]), extra)
    return session.execute(stmt.group_by(*cols)).all()


def _sum_rows(rows, width: int) -> dict:
    """Add up rows that share the first `width` columns (months and edge days come apart)."""
    out: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        names = list(row._mapping.keys())[width:]
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
        values = [func.sum(getattr(TicketPeriod, m)).label(m) for m in names]
        rows = _summary(session, TicketPeriod, path, level, rng, group, values, "period" in group)
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
        rows = _summary(session, TicketDimension, path, level, rng, group,
                        [func.sum(TicketDimension.n).label("n")], extra=TicketDimension.dim == dim)
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
        rows = _summary(session, TicketActionCount, path, level, rng, ["action"],
                        [func.sum(TicketActionCount.n).label("n")],
                        extra=TicketActionCount.action.in_(names))
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

# False counts "now" figures from the open tickets only: the tests compare both ways.
OPEN_ROWS = True


def _stock_conds(now) -> dict:
    return {"open_now": true(), "overdue_now": ticket_sql.overdue_now(now),
            "escalated_now": T.escalation_level > 0,
            "accept_overdue_now": ticket_sql.accept_overdue_now(now),
            "complete_overdue_now": ticket_sql.complete_overdue_now(now)}


def _counts(conds: dict, count, cohort) -> list:
    """sum(count) per condition, and with `cohort` (received in the range) once more."""
    cols = [func.coalesce(func.sum(case((c, count), else_=0)), 0).label(k) for k, c in conds.items()]
    if cohort is not None:
        cols += [func.coalesce(func.sum(case((and_(cohort, c), count), else_=0)), 0).label("cohort_" + k)
                 for k, c in conds.items()]
    return cols


def _keyed(rows) -> dict:
    return {row[0]: {k: int(v) for k, v in list(row._mapping.items())[1:]} for row in rows}


def stocks_by_path(session: Session, path: str, now, rng: DateRange | None = None,
                   level: str | None = None, split: bool = True) -> dict:
    """Open tickets now per path under `path`: open, overdue and escalated, all received
    and, with `rng`, the cohort received in it (its still-unsettled overdue tickets for the
    on-time rates). A node at or above street level (`level`) reads the open-stock rows,
    keyed by street or district path (`split`: fine enough to tell the node's children
    apart, which a street's cannot be); any other by region path, from the partial index
    on open tickets."""
    if OPEN_ROWS and level is not None and summary_covers(level) and \
            not (split and level == ROLLUP_LEVEL):
        return _stock_rows(session, path, now, rng, level, split)
    lo_hi = rng.utc_bounds() if rng is not None else None
    cohort = and_(T.created_at >= lo_hi[0], T.created_at < lo_hi[1]) if lo_hi else None
    stmt = select(T.region_path, *_counts(_stock_conds(now), 1, cohort)).where(
        subtree_clause(T.region_path, path), T.status.in_(ticket_sql.OPEN)).group_by(T.region_path)
    return _keyed(session.execute(stmt))


def _stock_rows(session: Session, path: str, now, rng: DateRange | None, level: str,
                split: bool) -> dict:
    """Stock rows whose deadlines fall on other days than today (before: overdue; after:
    not), plus the open tickets with a deadline today counted one by one (a range scan
    over today's deadlines): exactly what the open tickets give, at any instant."""
    grain = "D" if AREA_ROWS and area_covers(level, split) else "d"
    today = local_date(now)
    S = TicketOpenStock
    conds = {"open_now": true(),
             "overdue_now": or_(S.accept_day < today, S.complete_day < today),
             "escalated_now": S.escalated == 1,
             "accept_overdue_now": S.accept_day < today,
             "complete_overdue_now": S.complete_day < today}
    cohort = S.period.between(rng.start, rng.end) if rng is not None else None
    stmt = select(S.rollup_path, *_counts(conds, S.n, cohort)).where(
        S.grain == grain, subtree_clause(S.rollup_path, path),
        S.accept_day != today, S.complete_day != today).group_by(S.rollup_path)
    out = _keyed(session.execute(stmt))
    lo, hi = DateRange(today, today).utc_bounds()
    key = R.area_path if grain == "D" else R.rollup_path
    cohort = None
    if rng is not None:
        c_lo, c_hi = rng.utc_bounds()
        cohort = and_(T.created_at >= c_lo, T.created_at < c_hi)
    due_today = or_(and_(T.status == "dispatched", T.accept_deadline >= lo, T.accept_deadline < hi),
                    and_(T.status.in_(ticket_sql.OPEN), T.complete_deadline >= lo, T.complete_deadline < hi))
    stmt = select(key, *_counts(_stock_conds(now), 1, cohort)).select_from(
        Ticket.__table__.join(RegionRollup.__table__, R.region_path == T.region_path)).where(
        due_today, subtree_clause(T.region_path, path)).group_by(key)
    for p, values in _keyed(session.execute(stmt)).items():
        acc = out.setdefault(p, dict.fromkeys(values, 0))
        for k, v in values.items():
            acc[k] += v
    return out


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
    total = fold(stocks_by_path(session, path, now, rng, level, split=False),
                 lambda p: "all").get("all", {})
    prefix = "cohort_" if rng is not None else ""
    return {k: int(total.get(prefix + k, 0)) for k in STOCK_KEYS}
