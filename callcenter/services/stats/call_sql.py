"""Call measures in SQL, and the hour rows of `stats_call_hours` recounted from them.

A call belongs to the Asia/Shanghai day and hour it reached the hotline (`started_at`),
even when it ends after midnight. Only inbound calls count. When a call record is stored
or re-stored, the rows of its hour (old and new) are recounted from `call_records`: that
keeps every measure exact, the longest wait included, which a running sum could not.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from sqlalchemy import (Date, Integer, and_, bindparam, case, delete, func, insert, literal_column,
                        select)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from callcenter.models.calls import CallRecord
from callcenter.models.stats import CallHour
from callcenter.services.stats.contributions import SERVICE_LEVEL_SECONDS, SHORT_ABANDON_SECONDS
from callcenter.services.stats.periods import SHANGHAI
from callcenter.services.stats.sqlfuncs import local_day, local_hour

C = CallRecord.__table__.c
INBOUND = C.direction == "inbound"


def flags(sl_seconds: int = SERVICE_LEVEL_SECONDS, c=C) -> dict:
    wait = func.coalesce(c.wait_seconds, 0)
    answered = c.disposition == "answered"
    abandoned = c.disposition == "abandoned"
    return {
        "answered": answered,
        "abandoned": abandoned,
        "abandoned_short": and_(abandoned, wait <= SHORT_ABANDON_SECONDS),
        "ivr_only": c.disposition == "ivr_only",
        "other": c.disposition.not_in(("answered", "abandoned", "ivr_only")),
        "answered_in_sl": and_(answered, wait <= sl_seconds),
    }


def measures(sl_seconds: int = SERVICE_LEVEL_SECONDS, c=C) -> list:
    wait = func.coalesce(c.wait_seconds, 0)
    answered = c.disposition == "answered"
    return [func.count().label("offered")] + [
        func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name)
        for name, cond in flags(sl_seconds, c).items()
    ] + [
        func.coalesce(func.sum(case((answered, wait), else_=0)), 0).label("wait_answered_seconds"),
        func.coalesce(func.sum(case((answered, func.coalesce(c.talk_seconds, 0)), else_=0)), 0)
        .label("talk_seconds"),
        func.coalesce(func.max(wait), 0).label("max_wait_seconds"),
    ]


def queue_key(c=C):
    """The queue a call counts under ("-" for calls that never queued); build it once per
    statement, as PostgreSQL matches GROUP BY expressions by their bound parameters too."""
    return func.coalesce(c.queue, literal_column("'-'"))


def hour_rows_select(where=None):
    day, hour, queue = local_day(C.started_at), local_hour(C.started_at), queue_key()
    stmt = select(day.label("day"), hour.label("hour"), queue.label("queue"), *measures()) \
        .where(INBOUND).group_by(day, hour, queue)
    return stmt.where(where) if where is not None else stmt


def utc_hour(day: date, hour: int) -> tuple[datetime, datetime]:
    lo = datetime.combine(day, time(hour), SHANGHAI).astimezone(timezone.utc)
    return lo, lo + timedelta(hours=1)


def recount_hour(conn: Connection, day: date, hour: int) -> None:
    """Replace one local hour's rows with a recount of the calls that started in it."""
    lo, hi = utc_hour(day, hour)
    clear, count = _recount_statements()
    conn.execute(clear, {"day": day, "hour": hour})
    conn.execute(count, {"day": day, "hour": hour, "lo": lo, "hi": hi})


@lru_cache(maxsize=1)
def _recount_statements():
    """recount_hour's DELETE and INSERT … SELECT, built once with bind parameters: the bridge
    recounts an hour per stored batch, and building the twelve-measure select each time cost
    more than running it."""
    day, hour = bindparam("day", type_=Date), bindparam("hour", type_=Integer)
    clear = delete(CallHour.__table__).where(CallHour.day == day, CallHour.hour == hour)
    queue = queue_key()
    stmt = select(day.label("day"), hour.label("hour"), queue.label("queue"), *measures()) \
        .where(INBOUND, C.started_at >= bindparam("lo", type_=C.started_at.type),
               C.started_at < bindparam("hi", type_=C.started_at.type)).group_by(queue)
    count = insert(CallHour.__table__).from_select([c.name for c in stmt.selected_columns], stmt)
    return clear, count


def rebuild(conn: Connection) -> int:
    conn.execute(delete(CallHour.__table__))
    stmt = hour_rows_select()
    conn.execute(insert(CallHour.__table__).from_select([c.name for c in stmt.selected_columns], stmt))
    return conn.scalar(select(func.count()).select_from(CallHour.__table__))


def hour_of(moment: datetime | None) -> tuple[date, int] | None:
    if moment is None:
        return None
    local = moment.astimezone(SHANGHAI)
    return local.date(), local.hour


def stored_hours(conn: Connection, linkedids) -> set[tuple[date, int]]:
    """The hours the stored calls of these linkedids sit in (before a statement moves them)."""
    return {h for (started,) in conn.execute(select(CallRecord.started_at)
                                             .where(CallRecord.linkedid.in_(list(linkedids))))
            if (h := hour_of(started)) is not None}


def recount_hours(conn: Connection, hours) -> None:
    """Recount each hour once, in order (so concurrent writers lock rows alike)."""
    for day_hour in sorted(h for h in hours if h is not None):
        recount_hour(conn, *day_hour)


def before_flush(session: Session) -> None:
    """Remember the hours changed call records sat in before this flush."""
    ids = [o.id for o in list(session.dirty) + list(session.deleted)
           if isinstance(o, CallRecord) and o.id is not None]
    hours = set()
    if ids:
        for (started,) in session.connection().execute(select(CallRecord.started_at)
                                                        .where(CallRecord.id.in_(ids))):
            hours.add(hour_of(started))
    session.info["stats_call_hours"] = hours


def after_flush(session: Session, conn: Connection) -> None:
    hours = session.info.pop("stats_call_hours", set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, CallRecord):
            hours.add(hour_of(obj.started_at))
    recount_hours(conn, hours)
