"""The IVR's questions answered from the ticket store: one lean SQL statement per question.

Every ringing call asks these, and every microsecond of Python here holds the GIL the
FastAGI event loop needs. Through the ORM a question cost 2.2–2.9 ms; as a plain Core
execute 0.33 ms; compiled once and run on a pooled DBAPI connection about 0.05 ms
(docs/decisions/0006-ivr-store-lookups.md).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from sqlalchemy import bindparam, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import (STATUS_LABELS, InvalidTransitionError, NotFoundError,
                                       TicketStatus)
from callcenter.models.residents import Resident, ResidentPhone, ResidentTag
from callcenter.models.tickets import Ticket
from ivr.directory import CallerMatch, TicketInfo
from ivr.model import LANGUAGES

log = logging.getLogger(__name__)
RECENT_TICKETS = 5  # a caller's own tickets fetched with the caller, as the agents' screen shows


def make_read_engine(database_url: str, pool_size: int = 8) -> Engine:
    """Return an engine for the IVR's reads, with a connection for each lookup worker.

    On SQLite the app's engine opens every transaction with BEGIN IMMEDIATE (the write
    lock, decisions/0000), which would queue every caller's lookup behind every other one;
    this engine's connections stay in autocommit and `query_only`, so each SELECT reads a
    WAL snapshot without waiting on writers or other readers.
    """
    if not database_url.startswith("sqlite"):
        return create_engine(database_url, pool_pre_ping=True, pool_size=pool_size)
    engine = create_engine(database_url, pool_size=pool_size,
                           connect_args={"check_same_thread": False, "timeout": 1})

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # autocommit: no BEGIN, no lock held between calls
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")
        cur.execute("PRAGMA busy_timeout=1000")  # below the 2 s lookup timeout
        cur.close()

    return engine


def caller_statement():
    """Residents on a number, one row per tag (none: one row, tag NULL)."""
    return (select(Resident.id, Resident.name, Resident.language, ResidentTag.tag)
            .join(ResidentPhone, ResidentPhone.resident_id == Resident.id)
            .outerjoin(ResidentTag, ResidentTag.resident_id == Resident.id)
            .where(ResidentPhone.e164 == bindparam("e164"))
            .order_by(Resident.id, ResidentTag.tag))


def _ticket_columns():
    return select(Ticket.number, Ticket.status, Ticket.complete_deadline, Ticket.caller_phone,
                  ResidentPhone.e164).outerjoin(
        ResidentPhone, ResidentPhone.resident_id == Ticket.resident_id)


def ticket_statement():
    """A ticket by number, one row per phone of its resident (none: one row, phone NULL)."""
    return _ticket_columns().where(Ticket.number == bindparam("number"))


def caller_tickets_statement():
    """The RECENT_TICKETS latest tickets of the residents on a number, as ticket_statement."""
    mine = (select(Ticket.id)
            .where(Ticket.resident_id.in_(
                select(ResidentPhone.resident_id).where(ResidentPhone.e164 == bindparam("e164"))))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(RECENT_TICKETS))
    return _ticket_columns().where(Ticket.id.in_(mine))


class Prepared:
    """A Core SELECT compiled once for one engine, run on a DBAPI connection from its pool.

    Skips SQLAlchemy's per-execution machinery (≈300 µs of the ≈330 µs a Core execute of
    these statements took; the query itself ≈35 µs on SQLite). Result columns still pass
    through their types' processors, so UTC datetimes come back aware as everywhere else.
    """

    def __init__(self, engine: Engine, statement):
        compiled = statement.compile(dialect=engine.dialect)
        self.sql, self.defaults = compiled.string, dict(compiled.params)  # e.g. the LIMIT
        self.order = compiled.positiontup if compiled.positional else None
        dialect = engine.dialect
        self.processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in statement.selected_columns]

    def rows(self, conn, **params) -> list[tuple]:
        values = {**self.defaults, **params}
        args = tuple(values[name] for name in self.order) if self.order is not None else values
        cursor = conn.cursor()
        try:
            cursor.execute(self.sql, args)
            raw = cursor.fetchall()
        finally:
            cursor.close()
        return [tuple(p(v) if p else v for p, v in zip(self.processors, row)) for row in raw]


class StoreDirectory:
    """IvrDirectory over the database; blocking, so FastAGI calls it from worker threads.

    `reader` runs the lookups (default: the sessions' engine; `make_read_engine` is the
    one for production); `sessions` stores survey scores.
    """

    blocking = True

    def __init__(self, sessions: sessionmaker[Session], reader: Engine | None = None):
        self.sessions = sessions
        self.reader = reader if reader is not None else sessions.kw["bind"]
        self._caller = Prepared(self.reader, caller_statement())
        self._ticket = Prepared(self.reader, ticket_statement())
        self._caller_tickets = Prepared(self.reader, caller_tickets_statement())

    def pin(self) -> None:
        """Keep one SQLite read connection checked out between lookups, for a caller that
        asks one question at a time (the lookup process): the pool's check-out and return
        cost ~30 µs a question. Other databases keep the pool (its pre-ping reconnects)."""
        self._pin = self.reader.dialect.name == "sqlite"

    _pin = False
    _pinned = None

    @contextmanager
    def _connection(self):
        if not self._pin:
            conn = self.reader.raw_connection()  # pooled; closing returns it (rolled back)
            try:
                yield conn
            finally:
                conn.close()
            return
        conn, self._pinned = self._pinned or self.reader.raw_connection(), None
        try:
            yield conn
            conn.rollback()  # what the pool's return does (autocommit: nothing to undo)
        except BaseException:
            conn.close()  # a failed lookup's connection goes back; the next one checks out
            raise
        self._pinned = conn

    def lookup_caller(self, number: str) -> list[CallerMatch]:
        with self._connection() as conn:
            return _matches(self._caller.rows(conn, e164=number))

    def caller_context(self, number: str) -> tuple[list[CallerMatch], list[TicketInfo]]:
        """The caller's residents and their latest tickets, on one connection: what a call
        needs at its start, fetched in one go (FastAGI: one thread hop instead of two)."""
        with self._connection() as conn:
            matches = _matches(self._caller.rows(conn, e164=number))
            tickets = self._caller_tickets.rows(conn, e164=number) if matches else []
        by_number: dict[str, list[tuple]] = {}
        for row in tickets:
            by_number.setdefault(row[0], []).append(row)
        return matches, [_ticket_info(rows) for rows in by_number.values()]

    def ticket_status(self, ticket_number: str) -> TicketInfo | None:
        with self._connection() as conn:
            rows = self._ticket.rows(conn, number=ticket_number)
        return _ticket_info(rows) if rows else None

    def record_survey(self, ticket_number: str | None, linkedid: str, score: int) -> None:
        """Store the score on the ticket as an IVR revisit; a call without a ticket is logged."""
        if not ticket_number:
            log.info("survey on call %s scored %d but names no ticket: not stored", linkedid, score)
            return
        from callcenter.services.revisit import record_survey

        with self.sessions.begin() as s:
            try:
                record_survey(s, ticket_number, score, "ivr")
            except (NotFoundError, InvalidTransitionError) as exc:
                log.info("survey on call %s: score %d not stored: %s", linkedid, score, exc)


def _matches(rows) -> list[CallerMatch]:
    """Fold (resident, name, language, tag) rows into one CallerMatch per resident."""
    residents: dict[int, tuple[str, str, list[str]]] = {}
    for rid, name, language, tag in rows:
        tags = residents.setdefault(rid, (name, language, []))[2]
        if tag:
            tags.append(tag)
    return [CallerMatch(str(rid), name, tuple(tags), language if language in LANGUAGES else "zh")
            for rid, (name, language, tags) in residents.items()]


def _ticket_info(rows) -> TicketInfo:
    """Fold one ticket's rows (one per phone of its resident) into a TicketInfo."""
    number, status, deadline, caller_phone, _ = rows[0]
    phones = {row[4] for row in rows if row[4]}
    if caller_phone:
        phones.add(try_normalize(caller_phone))
    status = TicketStatus(status)
    texts = {lang: STATUS_LABELS[lang][status] for lang in LANGUAGES}
    return TicketInfo(number, status.value, texts, deadline, tuple(sorted(p for p in phones if p)))
