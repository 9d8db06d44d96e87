"""Store what the AMI bridge folds: call records (idempotent by linkedid) and agent states."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.domain.phones import try_normalize
from callcenter.models.calls import AgentSession, AgentStateChange, CallRecord
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
    """Insert or update each record by linkedid: saving the same record twice changes nothing."""
    records = [r for r in records if r.get("linkedid")]
    if not records:
        return 0
    existing = {
        row.linkedid: row
        for row in session.scalars(
            select(CallRecord).where(CallRecord.linkedid.in_({r["linkedid"] for r in records}))
        )
    }
    for data in records:
        row = existing.get(data["linkedid"])
        if row is None:
            row = existing[data["linkedid"]] = CallRecord(linkedid=data["linkedid"])
            session.add(row)
        for key in _FIELDS:
            if key in data:
                setattr(row, key, data[key])
        for key in _TIMES:
            if key in data:
                setattr(row, key, _utc(data[key]))
        row.direction = row.direction or "inbound"
        row.disposition = row.disposition or "failed"
        row.started_at = row.started_at or _utc(data.get("ended_at")) or datetime.now(timezone.utc)
        row.resident_id = (data.get("ivr_vars") or {}).get("CC_RESIDENT_ID") or None
        row.caller_e164 = try_normalize(row.caller_number)
    return len(records)


def record_agent_changes(session: Session, changes: Iterable[dict[str, Any]]) -> int:
    """Append state changes; open a session when an agent leaves `offline`, close it on return.
    The batch's open sessions are read in one query and the rows written in one flush: the
    bridge stores hundreds of changes a second at 50 calls/s (docs/deploy.md, load)."""
    changes = list(changes)
    if not changes:
        return 0
    agents = {change["agent"] for change in changes}
    open_now: dict[str, AgentSession | None] = {}
    for row in session.scalars(
        select(AgentSession)
        .where(AgentSession.extension.in_(agents), AgentSession.ended_at.is_(None))
        .order_by(AgentSession.id)
    ):
        open_now.setdefault(row.extension, row)
    for change in changes:
        at, agent = _utc(change["at"]), change["agent"]
        session.add(
            AgentStateChange(
                extension=agent,
                state=change["state"],
                reason=change.get("reason"),
                source=change.get("source", ""),
                queues=list(change.get("queues") or []),
                at=at,
            )
        )
        open_session = open_now.get(agent)
        if change["state"] == "offline" and open_session is not None:
            open_session.ended_at, open_now[agent] = at, None
        elif change["state"] != "offline" and open_session is None:
            open_now[agent] = AgentSession(extension=agent, started_at=at)
            session.add(open_now[agent])
    session.flush()
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
