"""The IVR's questions answered from the ticket store (SQLAlchemy models, read-mostly)."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import (STATUS_LABELS, InvalidTransitionError, NotFoundError,
                                       TicketStatus)
from callcenter.models.residents import Resident, ResidentPhone
from callcenter.models.tickets import Ticket
from ivr.directory import CallerMatch, TicketInfo
from ivr.model import LANGUAGES

log = logging.getLogger(__name__)


class StoreDirectory:
    """IvrDirectory over the database; blocking, so FastAGI calls it from worker threads."""

    blocking = True

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def lookup_caller(self, number: str) -> list[CallerMatch]:
        with self.sessions() as s:
            rows = s.scalars(select(Resident).join(ResidentPhone)
                             .where(ResidentPhone.e164 == number)
                             .options(selectinload(Resident.tags))
                             .order_by(Resident.id)).unique().all()
            return [CallerMatch(str(r.id), r.name, tuple(r.tag_names),
                                r.language if r.language in LANGUAGES else "zh") for r in rows]

    def ticket_status(self, ticket_number: str) -> TicketInfo | None:
        with self.sessions() as s:
            ticket = s.scalars(select(Ticket).where(Ticket.number == ticket_number).options(
                selectinload(Ticket.resident).selectinload(Resident.phones))).first()
            if ticket is None:
                return None
            phones = {try_normalize(ticket.caller_phone)} if ticket.caller_phone else set()
            if ticket.resident is not None:
                phones |= {p.e164 for p in ticket.resident.phones}
            status = TicketStatus(ticket.status)
            texts = {lang: STATUS_LABELS[lang][status] for lang in LANGUAGES}
            return TicketInfo(ticket.number, status.value, texts, ticket.complete_deadline,
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
