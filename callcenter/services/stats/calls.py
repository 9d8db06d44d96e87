"""Call figures: per queue, per hour of day, hour × weekday, and per agent.

Every function takes a `CallScope` (call_scope.py): a region's figures cover the queues
of its subtree and its agents only; the default, WHOLE, is the hotline (city, benchmarks).

Queue figures read `stats_call_hours` (recounted per hour as calls are stored) when the
service-level threshold is the default; any other threshold reads `call_records` directly.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from callcenter.models.calls import AgentSession, AgentStateChange, CallRecord
from callcenter.models.stats import CallHour
from callcenter.services.stats import call_sql
from callcenter.services.stats.call_scope import WHOLE, CallScope
from callcenter.services.stats.contributions import SERVICE_LEVEL_SECONDS
from callcenter.services.stats.periods import DateRange
from callcenter.services.stats.sqlfuncs import local_day, local_hour

SUMS = ("offered", "answered", "abandoned", "abandoned_short", "ivr_only", "other",
        "answered_in_sl", "wait_answered_seconds", "talk_seconds")
C = CallRecord.__table__.c


def _ratio(a, b, digits=4):
    return round(a / b, digits) if b else None


def derive(m: dict) -> dict:
    answered = m.get("answered", 0)
    queued = m.get("offered", 0) - m.get("ivr_only", 0)
    return {**{k: m.get(k, 0) for k in SUMS}, "max_wait": m.get("max_wait_seconds", 0),
            "service_level": _ratio(m.get("answered_in_sl", 0), queued),
            "asa": _ratio(m.get("wait_answered_seconds", 0), answered, 1),
            "aht": _ratio(m.get("talk_seconds", 0), answered, 1),
            "abandon_rate": _ratio(m.get("abandoned", 0) - m.get("abandoned_short", 0),
                                   queued - m.get("abandoned_short", 0))}


@lru_cache(maxsize=32)
def _summary_statement(group: tuple[str, ...], by_queue: bool, scoped: bool):
    """Built once per shape: constructing the select costs more than running it (≈0.8 ms
    against 0.4 ms for a 30-day queue on SQLite), and the figures are read per request."""
    cols = [getattr(CallHour, g).label(g) for g in group]
    stmt = select(*cols, *[func.sum(getattr(CallHour, m)).label(m) for m in SUMS],
                  func.max(CallHour.max_wait_seconds).label("max_wait_seconds")) \
        .where(CallHour.day >= bindparam("d0"), CallHour.day <= bindparam("d1"))
    if by_queue:
        stmt = stmt.where(CallHour.queue == bindparam("queue"))
    if scoped:
        stmt = stmt.where(CallHour.queue.in_(bindparam("queues", expanding=True)))
    return stmt.group_by(*cols)


def _rows(session: Session, rng: DateRange, group: list[str], queue: str | None,
          sl_seconds: int, scope: CallScope) -> list:
    if sl_seconds == SERVICE_LEVEL_SECONDS:
        params = {"d0": rng.start, "d1": rng.end}
        if queue is not None:
            params["queue"] = queue
        if not scope.whole:
            params["queues"] = sorted(scope.queues)
        stmt = _summary_statement(tuple(group), queue is not None, not scope.whole)
        return session.execute(stmt, params).all()
    exprs = {"day": local_day(C.started_at), "hour": local_hour(C.started_at),
             "queue": call_sql.queue_key()}
    cols = [exprs[g].label(g) for g in group]
    lo, hi = rng.utc_bounds()
    stmt = select(*cols, *call_sql.measures(sl_seconds)).where(
        call_sql.INBOUND, C.started_at >= lo, C.started_at < hi)
    if queue is not None:
        stmt = stmt.where(call_sql.queue_key() == queue)
    if not scope.whole:
        stmt = stmt.where(C.queue.in_(sorted(scope.queues)))
    return session.execute(stmt.group_by(*cols)).all()


def queue_figures(session: Session, rng: DateRange, queue: str | None = None,
                  sl_seconds: int = SERVICE_LEVEL_SECONDS, *, scope: CallScope = WHOLE) -> dict:
    """Totals for one queue (or all of the scope's) over the range."""
    rows = _rows(session, rng, [], queue, sl_seconds, scope)
    return derive(dict(rows[0]._mapping) if rows and rows[0].offered else {})


def by_queue(session: Session, rng: DateRange, sl_seconds: int = SERVICE_LEVEL_SECONDS, *,
             scope: CallScope = WHOLE) -> list[dict]:
    rows = _rows(session, rng, ["queue"], None, sl_seconds, scope)
    return sorted(({"queue": r.queue, **derive(dict(r._mapping))} for r in rows),
                  key=lambda r: r["queue"])


def by_hour(session: Session, rng: DateRange, queue: str | None = None, *,
            scope: CallScope = WHOLE) -> list[dict]:
    """Every hour of the day 0–23, summed over the range's days."""
    acc: dict = {h: defaultdict(int) for h in range(24)}
    for r in _rows(session, rng, ["hour"], queue, SERVICE_LEVEL_SECONDS, scope):
        for k, v in r._mapping.items():
            if k != "hour":
                acc[r.hour][k] = max(acc[r.hour][k], v) if k == "max_wait_seconds" else acc[r.hour][k] + v
    return [{"hour": h, **derive(m)} for h, m in acc.items()]


def heatmap(session: Session, rng: DateRange, queue: str | None = None, *,
            scope: CallScope = WHOLE) -> list[list[int]]:
    """Offered calls as [weekday 0=Mon][hour], summed over the range."""
    grid = [[0] * 24 for _ in range(7)]
    for r in _rows(session, rng, ["day", "hour"], queue, SERVICE_LEVEL_SECONDS, scope):
        grid[r.day.weekday()][r.hour] += int(r.offered)
    return grid


def agent_figures(session: Session, rng: DateRange, now=None, *,
                  scope: CallScope = WHOLE) -> list[dict]:
    """Per agent extension: answered calls and talk time (by the call's start), log-in time,
    pause time by reason and wrap-up time (state time clipped to the range and to now).
    In a region's scope: its agents only, and only the calls of its queues."""
    lo, hi = rng.utc_bounds()
    hi = min(hi, now) if now is not None else hi
    where = [call_sql.INBOUND, C.disposition == "answered", C.answered_by.is_not(None),
             C.started_at >= lo, C.started_at < hi]
    if not scope.whole:
        where += [C.queue.in_(sorted(scope.queues)), C.answered_by.in_(sorted(scope.extensions))]
    calls = session.execute(select(C.answered_by, func.count(), func.coalesce(func.sum(C.talk_seconds), 0))
                            .where(*where).group_by(C.answered_by)).all()
    out: dict = defaultdict(lambda: {"answered": 0, "talk_seconds": 0, "login_seconds": 0,
                                     "wrapup_seconds": 0, "pause_seconds": defaultdict(int)})
    for ext, n, talk in calls:
        out[ext]["answered"], out[ext]["talk_seconds"] = int(n), int(talk)
    for ext, state, reason, secs in _state_time(session, lo, hi, scope):
        if state == "wrap_up":
            out[ext]["wrapup_seconds"] += secs
        elif state == "paused":
            out[ext]["pause_seconds"][reason or "-"] += secs
    sessions = select(AgentSession).where(
        AgentSession.started_at < hi, (AgentSession.ended_at.is_(None)) | (AgentSession.ended_at > lo))
    if not scope.whole:
        sessions = sessions.where(AgentSession.extension.in_(sorted(scope.extensions)))
    for s in session.scalars(sessions):
        end = min(s.ended_at or hi, hi)
        out[s.extension]["login_seconds"] += int((end - max(s.started_at, lo)).total_seconds())
    return [{"agent": ext, **v, "pause_seconds": dict(v["pause_seconds"])}
            for ext, v in sorted(out.items())]


def _state_time(session: Session, lo, hi, scope: CallScope = WHOLE):
    """(extension, state, reason, seconds inside [lo, hi)) for each state interval."""
    A = AgentStateChange
    mine = [] if scope.whole else [A.extension.in_(sorted(scope.extensions))]
    before = select(A.extension, func.max(A.at).label("at")).where(A.at < lo, *mine) \
        .group_by(A.extension).subquery()
    first = session.execute(select(A.extension, A.state, A.reason, A.at).join(
        before, (before.c.extension == A.extension) & (before.c.at == A.at))).all()
    inside = session.execute(select(A.extension, A.state, A.reason, A.at)
                             .where(A.at >= lo, A.at < hi, *mine).order_by(A.extension, A.at, A.id)).all()
    by_ext: dict = defaultdict(list)
    for row in list(first) + list(inside):
        by_ext[row.extension].append(row)
    for ext, rows in by_ext.items():
        rows.sort(key=lambda r: r.at)
        for cur, nxt in zip(rows, rows[1:] + [None]):
            start, end = max(cur.at, lo), min(nxt.at if nxt else hi, hi)
            if end > start:
                yield ext, cur.state, cur.reason, int((end - start).total_seconds())
