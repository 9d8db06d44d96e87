"""Store what the AMI bridge folds: call records (idempotent by linkedid) and agent states."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from callcenter.domain.phones import try_normalize
from callcenter.models.calls import AgentSession, AgentStateChange, CallRecord
from callcenter.services.stats import call_sql
from callcenter.store import unit_of_work

_FIELDS = (
    "direction",
    "caller_number",
    "caller_name",
    "dialled",
    "queue",
    "ivr_vars",
    "agents_rung",
    "answered_by",
    "disposition",
    "wait_seconds",
    "talk_seconds",
    "hangup_by",
    "hangup_cause",
    "fax",
    "transfers",
    "resynced",
    "adopted",
)
_TIMES = ("started_at", "queued_at", "answered_at", "ended_at")
# RETURNING makes SQLAlchemy send a batch as one multi-row INSERT ("insertmanyvalues")
# instead of a statement per row.
_APPEND_CHANGES = insert(AgentStateChange.__table__).returning(AgentStateChange.__table__.c.id)


def _utc(value: Any) -> datetime | None:
    """Record times come as microseconds since the epoch (int) or 'sec.usec' text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        sec, _, frac = value.partition(".")
        value = int(sec) * 1_000_000 + int((frac + "000000")[:6])
    return datetime.fromtimestamp(int(value) / 1_000_000, timezone.utc)


def save_call_records(session: Session, records: Iterable[dict[str, Any]]) -> int:
    """Insert or update each record by linkedid: saving the same record twice changes nothing.

    One `INSERT … ON CONFLICT (linkedid) DO UPDATE` per shape of record, not ORM objects: the
    bridge stores on a thread of the process that pops screens, and the ORM's per-object work
    held the GIL ~5 ms a batch (docs/decisions/0010-bridge-store-statements.md). A record
    updates only the fields it carries; within a batch a later record of the same call wins."""
    merged: dict[str, dict[str, Any]] = {}
    for data in records:
        if data.get("linkedid"):
            merged.setdefault(data["linkedid"], {}).update(data)
    if not merged:
        return 0
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for data in merged.values():
        shapes.setdefault(_present(data), []).append(_call_row(data))
    conn = session.connection()
    hours = call_sql.stored_hours(conn, merged)  # a record may move a call to another hour
    for present, rows in shapes.items():
        session.execute(_upsert(conn.dialect.name, present), rows)
        hours |= {call_sql.hour_of(row["started_at"]) for row in rows}
    call_sql.recount_hours(conn, hours)  # the hour summaries stay exact, as the ORM hook keeps them
    return len(merged)


def _present(data: dict[str, Any]) -> tuple[str, ...]:
    """The columns a record sets when it updates a stored call (in a fixed order)."""
    return tuple(key for key in (*_FIELDS, *_TIMES) if key in data)


def _call_row(data: dict[str, Any]) -> dict[str, Any]:
    """The record as a row: the values a new call gets (and an update takes where given)."""
    row: dict[str, Any] = {key: data.get(key) for key in _FIELDS}
    row.update({key: _utc(data.get(key)) for key in _TIMES})
    row["ivr_vars"] = row["ivr_vars"] or {}
    row["agents_rung"] = row["agents_rung"] or []
    row["transfers"] = row["transfers"] or []
    row["resynced"], row["adopted"] = bool(row["resynced"]), bool(row["adopted"])
    row["direction"] = row["direction"] or "inbound"
    row["disposition"] = row["disposition"] or "failed"
    row["started_at"] = row["started_at"] or row["ended_at"] or datetime.now(timezone.utc)
    row["linkedid"] = data["linkedid"]
    row["resident_id"] = (data.get("ivr_vars") or {}).get("CC_RESIDENT_ID") or None
    row["caller_e164"] = try_normalize(row["caller_number"])
    row["created_at"] = row["updated_at"] = datetime.now(timezone.utc)
    return row


@lru_cache(maxsize=64)
def _upsert(dialect: str, present: tuple[str, ...]):
    """INSERT … ON CONFLICT (linkedid) DO UPDATE of the given fields (PostgreSQL and SQLite
    both know it), built once per shape: its SQL is then compiled once too."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(CallRecord.__table__)
    kept = ["updated_at", *present]
    kept += ["caller_e164"] if "caller_number" in present else []
    kept += ["resident_id"] if "ivr_vars" in present else []
    return stmt.on_conflict_do_update(index_elements=["linkedid"],
                                      set_={name: stmt.excluded[name] for name in kept})


def record_agent_changes(session: Session, changes: Iterable[dict[str, Any]]) -> int:
    """Append state changes; open a session when an agent leaves `offline`, close it on return.
    The batch's open sessions are read in one query and the rows written with one statement
    each (Core executemany, not ORM objects: see save_call_records); the bridge stores
    hundreds of changes a second at 50 calls/s (docs/deploy.md, load)."""
    changes = list(changes)
    if not changes:
        return 0
    agents = {change["agent"] for change in changes}
    sessions = AgentSession.__table__
    # agent → its open session: a stored one's id, a new one's row, or None when logged off
    open_now: dict[str, int | dict | None] = {}
    for row in session.execute(
        select(sessions.c.id, sessions.c.extension)
        .where(sessions.c.extension.in_(agents), sessions.c.ended_at.is_(None))
        .order_by(sessions.c.id)
    ):
        open_now.setdefault(row.extension, row.id)
    rows, new_sessions, closed = [], [], []
    for change in changes:
        at, agent = _utc(change["at"]), change["agent"]
        rows.append({"extension": agent, "state": change["state"], "reason": change.get("reason"),
                     "source": change.get("source", ""), "queues": list(change.get("queues") or []),
                     "at": at})
        current = open_now.get(agent)
        if change["state"] == "offline" and current is not None:
            if isinstance(current, dict):  # opened earlier in this batch
                current["ended_at"] = at
            else:
                closed.append({"sid": current, "ended": at})
            open_now[agent] = None
        elif change["state"] != "offline" and current is None:
            open_now[agent] = {"extension": agent, "started_at": at, "ended_at": None}
            new_sessions.append(open_now[agent])
    session.execute(_APPEND_CHANGES, rows)
    if new_sessions:
        session.execute(insert(sessions), new_sessions)
    if closed:
        session.execute(
            update(sessions).where(sessions.c.id == bindparam("sid")).values(ended_at=bindparam("ended")),
            closed,
        )
    return len(changes)


def make_call_stores(
    factory: sessionmaker,
) -> tuple[Callable[[list[dict]], None], Callable[[list[dict]], None]]:
    """The bridge's two store callables: one transaction per batch, on its worker thread."""

    def store_calls(batch: list[dict]) -> None:
        with unit_of_work(factory) as session:
            save_call_records(session, batch)

    def store_agents(batch: list[dict]) -> None:
        with unit_of_work(factory) as session:
            record_agent_changes(session, batch)

    return store_calls, store_agents
