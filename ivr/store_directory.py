"""The IVR's questions answered from the ticket store: one lean SQL statement per question.

Every ringing call asks these, and every microsecond of Python here holds the GIL the
FastAGI event loop needs. Through the ORM a question cost 2.2–2.9 ms; as a plain Core
execute 0.33 ms; compiled once and run on a pooled DBAPI connection about 0.05 ms
(docs/decisions/0003-ivr-store-lookups.md).
"""
from __future__ import annotations

import logging
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
                           connect_args={"check_same_thread": False, "timeout": 5})

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # autocommit: no BEGIN, no lock held between calls
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    return engine


def caller_statement():
    """Residents on a number, one row per tag (none: one row, tag NULL)."""
    return (select(Resident.id, Resident.name, Resident.language, ResidentTag.tag)
            .join(ResidentPhone, ResidentPhone.resident_id == Resident.id)
            .outerjoin(ResidentTag, ResidentTag.resident_id == Resident.id)
            .where(ResidentPhone.e164 == bindparam("e164"))
            .order_by(Resident.id, ResidentTag.tag))


def ticket_statement():
    """A ticket by number, one row per phone of its resident (none: one row, phone NULL)."""
    return (select(Ticket.number, Ticket.status, Ticket.complete_deadline, Ticket.caller_phone,
                   ResidentPhone.e164)
            .outerjoin(ResidentPhone, ResidentPhone.resident_id == Ticket.resident_id)
            .where(Ticket.number == bindparam("number")))


class Prepared:
    """A Core SELECT compiled once for one engine, run on a pooled DBAPI connection.

    Skips SQLAlchemy's per-execution machinery (≈300 µs of the ≈330 µs a Core execute of
    these statements took; the query itself ≈35 µs on SQLite). Result columns still pass
    through their types' processors, so UTC datetimes come back aware as everywhere else.
    """

    def __init__(self, engine: Engine, statement):
        compiled = statement.compile(dialect=engine.dialect)
        self.engine, self.sql = engine, compiled.string
        self.order = compiled.positiontup if compiled.positional else None
        self.processors = [column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
                           for column in statement.selected_columns]

    def rows(self, **params) -> list[tuple]:
        args = tuple(params[name] for name in self.order) if self.order is not None else params
        conn = self.engine.raw_connection()  # pooled; closing returns it (rolled back)
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self.sql, args)
                raw = cursor.fetchall()
            finally:
                cursor.close()
        finally:
            conn.close()
        return [tuple(p(v) if p else v for p, v in zip(self.processors, row)) for row in raw]


class StoreDirectory:
    """IvrDirectory over the database; blocking, so FastAGI calls it from worker threads.

    `reader` runs the lookups (default: the sessions' engine; `make_read_engine` is the
    one for production); `sessions` stores survey scores.
    """

    blocking = True

    def __init__(self, sessions: sessionmaker[Session], reader: Engine | None = None):
        self.sessions = sessions
        reader = reader if reader is not None else sessions.kw["bind"]
        self._caller = Prepared(reader, caller_statement())
        self._ticket = Prepared(reader, ticket_statement())

    def lookup_caller(self, number: str) -> list[CallerMatch]:
        residents: dict[int, tuple[str, str, list[str]]] = {}
        for rid, name, language, tag in self._caller.rows(e164=number):
            tags = residents.setdefault(rid, (name, language, []))[2]
            if tag:
                tags.append(tag)
        return [CallerMatch(str(rid), name, tuple(tags), language if language in LANGUAGES else "zh")
                for rid, (name, language, tags) in residents.items()]

    def ticket_status(self, ticket_number: str) -> TicketInfo | None:
        rows = self._ticket.rows(number=ticket_number)
        if not rows:
            return None
        number, status, deadline, caller_phone, _ = rows[0]
        phones = {row[4] for row in rows if row[4]}
        if caller_phone:
            phones.add(try_normalize(caller_phone))
        status = TicketStatus(status)
        texts = {lang: STATUS_LABELS[lang][status] for lang in LANGUAGES}
        return TicketInfo(number, status.value, texts, deadline,
                          tuple(sorted(p for p in phones if p)))

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
