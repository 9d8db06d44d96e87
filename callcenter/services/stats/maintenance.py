"""Keep the ticket summaries exactly current, inside the transaction that changes the tickets.

`install()` hooks every Session's flush: before it, the old state of each changed ticket is
read back from the database (so no attribute history or loading pattern can fool it); after
it, the new state is known and (new − old) is added to the summary rows with one upsert per
row, in key order so concurrent writers lock rows in the same order and cannot deadlock.
A figure therefore never lags the tickets behind it, whatever code path changed them.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from callcenter.models import Ticket, TicketEvent
from callcenter.models.stats import TicketActionCount, TicketDimension, TicketOpenStock, TicketPeriod
from callcenter.services.stats import call_sql, contributions as c
from callcenter.services.stats.rollups import rollup_of

TABLES = {
    "periods": (TicketPeriod, ("grain", "period", "rollup_path", "type", "status")),
    "dimensions": (TicketDimension, ("grain", "period", "rollup_path", "dim", "value")),
    "actions": (TicketActionCount, ("grain", "period", "rollup_path", "action")),
    "open": (TicketOpenStock, ("grain", "period", "rollup_path", "accept_day", "complete_day",
                               "escalated")),
}
_FIELDS = (Ticket.region_path, Ticket.type, Ticket.status, Ticket.channel, Ticket.category_id,
           Ticket.target_department_id, Ticket.target_provider_id, Ticket.created_at,
           Ticket.dispatched_at, Ticket.accept_deadline, Ticket.accepted_at,
           Ticket.complete_deadline, Ticket.resolved_at, Ticket.satisfaction,
           Ticket.escalation_level)
_installed = False


def install() -> None:
    """Register the flush hooks once per process (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


def _before_flush(session: Session, _ctx, _instances) -> None:
    changed = [o for o in session.dirty if isinstance(o, Ticket) and session.is_modified(o)]
    changed += [o for o in session.deleted if isinstance(o, Ticket)]
    old: dict[int, c.Rows] = {}
    if changed:
        conn = session.connection()
        cache = session.info.setdefault("stats_rollups", {})
        ids = [o.id for o in changed if o.id is not None]
        for row in conn.execute(select(Ticket.id, *_FIELDS).where(Ticket.id.in_(ids))):
            old[row.id] = c.ticket_rows(_facts(conn, row, cache))
    session.info["stats_old"] = old
    call_sql.before_flush(session)


def _after_flush(session: Session, _ctx) -> None:
    old = session.info.pop("stats_old", {})
    conn = session.connection()
    cache = session.info.setdefault("stats_rollups", {})
    rows: c.Rows = {}
    for obj in session.new:
        if isinstance(obj, Ticket):
            c.merge(rows, c.ticket_rows(_facts(conn, obj, cache)))
        elif isinstance(obj, TicketEvent):
            c.merge(rows, c.action_rows(_event_rollup(session, conn, obj, cache), obj.action, obj.at))
    for obj in session.dirty:
        if isinstance(obj, Ticket) and obj.id in old:
            c.merge(rows, c.delta(old[obj.id], c.ticket_rows(_facts(conn, obj, cache))))
    for obj in session.deleted:
        if isinstance(obj, Ticket) and obj.id in old:
            c.merge(rows, c.delta(old[obj.id], None))
        elif isinstance(obj, TicketEvent):
            c.merge(rows, c.delta(c.action_rows(_event_rollup(session, conn, obj, cache),
                                                obj.action, obj.at), None))
    apply_rows(conn, rows)
    call_sql.after_flush(session, conn)


def _facts(conn: Connection, t, cache: dict) -> c.TicketFacts:
    rollup, area = rollup_of(conn, t.region_path, cache)
    return c.TicketFacts(
        rollup_path=rollup, area_path=area, type=t.type, status=t.status,
        channel=t.channel, category_id=t.category_id,
        target=c.target_value(t.target_department_id, t.target_provider_id),
        created_at=t.created_at, dispatched_at=t.dispatched_at,
        accept_deadline=t.accept_deadline, accepted_at=t.accepted_at,
        complete_deadline=t.complete_deadline, resolved_at=t.resolved_at,
        satisfaction=t.satisfaction, escalation_level=t.escalation_level or 0)


def _event_rollup(session: Session, conn: Connection, ev: TicketEvent, cache) -> tuple[str, str]:
    ticket = session.identity_map.get(identity_key(Ticket, ev.ticket_id))
    path = ticket.region_path if ticket is not None else conn.execute(
        select(Ticket.region_path).where(Ticket.id == ev.ticket_id)).scalar_one()
    return rollup_of(conn, path, cache)


def apply_rows(conn: Connection, rows: c.Rows) -> None:
    """Add each row's measures to its summary row, creating it when missing."""
    by_table: dict[str, list] = {}
    for key in sorted(rows, key=lambda k: tuple(str(p) for p in k)):
        by_table.setdefault(key[0], []).append((key[1:], rows[key]))
    for name in sorted(by_table):
        model, keys = TABLES[name]
        measures = [col.name for col in model.__table__.columns if col.name not in keys]
        params = [dict(zip(keys, key)) | {m: values.get(m, 0) for m in measures}
                  for key, values in by_table[name]]
        # executemany runs the rows in the sorted order: row locks are taken in key order
        conn.execute(_upsert(conn.dialect.name, name), params)


@lru_cache(maxsize=None)
def _upsert(dialect_name: str, name: str):
    """INSERT … ON CONFLICT DO UPDATE adding the measures; built once per dialect and table."""
    model, keys = TABLES[name]
    table = model.__table__
    measures = [col.name for col in table.columns if col.name not in keys]
    stmt = (postgresql if dialect_name == "postgresql" else sqlite).insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={m: table.c[m] + stmt.excluded[m] for m in measures})
