"""Ticket numbers: `YYYYMMDD-NNNNNN`, unique everywhere and monotonic within a local day."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import TicketCounter


def next_ticket_number(session: Session, now: datetime) -> str:
    """Take the next number for today inside the caller's transaction.

    The counter row's UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite),
    so concurrent creators queue; the number is released only if the transaction
    rolls back, which leaves a gap but never a duplicate.
    """
    day = now.astimezone(SHANGHAI).date()
    if session.execute(select(TicketCounter.day).where(TicketCounter.day == day)).first() is None:
        try:
            with session.begin_nested():
                session.execute(insert(TicketCounter).values(day=day, last=0))
        except IntegrityError:
            pass  # another transaction created today's row first
    value = session.execute(
        update(TicketCounter).where(TicketCounter.day == day)
        .values(last=TicketCounter.last + 1).returning(TicketCounter.last)
    ).scalar_one()
    return f"{day:%Y%m%d}-{value:06d}"
