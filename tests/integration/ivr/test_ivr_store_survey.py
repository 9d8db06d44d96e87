"""The IVR survey's score stored through the revisit service."""
from __future__ import annotations

from sqlalchemy import select

from callcenter.models.tickets import Ticket
from ivr.store_directory import StoreDirectory
from test_ivr_store_directory import seed


def test_ivr_survey_score_becomes_the_tickets_revisit(container, world):
    seed(container, world)
    directory = StoreDirectory(container.sessions)
    directory.record_survey("20261127902", "L2", 4)
    directory.record_survey("20261127901", "L3", 5)  # not resolved yet: logged, not stored
    directory.record_survey(None, "L4", 3)
    with container.sessions() as s:
        rated = {t.number: (t.status, t.satisfaction) for t in s.scalars(select(Ticket))}
    assert rated == {"20261127902": ("revisited", 4), "20261127901": ("dispatched", None)}
