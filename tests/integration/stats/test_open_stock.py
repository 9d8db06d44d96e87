"""The open-stock rows give exactly the "open / overdue / escalated now" figures the open
tickets give, at any instant: every open ticket's deadline, a second before and after
(test_open_stock_changes.py changes the tickets)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

import stats_dataset as dataset
from callcenter.models import Region, Ticket
from callcenter.models.stats import OPEN_STATUSES
from callcenter.services.stats import ticket_source, tickets as st
from callcenter.services.stats.periods import DateRange

RNG = DateRange(dataset.NOW.date() - timedelta(days=60), dataset.NOW.date())
STOCK = ("open_now", "overdue_now", "escalated_now")


def _stock_pages(s, n, rng, now):
    current, kids = st.overview(s, n, rng, now)
    return {"overview": current, "children": kids, "summary": st.summary(s, n, rng, now),
            "stocks": ticket_source.stocks(s, n.path, now, rng, n.level),
            "all received": ticket_source.stocks(s, n.path, now, None, n.level)}


def _both_ways(s, n, rng, now, monkeypatch) -> dict:
    """The pages with the open-stock rows (which must be read) and without; equal."""
    tables: list[str] = []

    def spy(conn, cursor, statement, params, context, executemany):
        tables.append(statement)
    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", spy)
    try:
        with_rows = _stock_pages(s, n, rng, now)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert any("stats_ticket_open_stock" in t for t in tables), "the open-stock rows were not read"
    monkeypatch.setattr(ticket_source, "OPEN_ROWS", False)
    try:
        without = _stock_pages(s, n, rng, now)
    finally:
        monkeypatch.setattr(ticket_source, "OPEN_ROWS", True)
    assert with_rows == without
    return with_rows["stocks"]


def _deadline_instants(s) -> list[datetime]:
    """Every open ticket's deadlines, a second either side, and the dataset's NOW."""
    out = [dataset.NOW]
    for a, c in s.query(Ticket.accept_deadline, Ticket.complete_deadline).filter(
            Ticket.status.in_(OPEN_STATUSES)):
        for d in (a, c):
            if d is not None:
                out += [d - timedelta(seconds=1), d, d + timedelta(seconds=1)]
    return out


@pytest.mark.parametrize("key", ["root", "city", "A", "A1"])
def test_stock_figures_are_equal_with_and_without_the_rows(data, key, monkeypatch):
    s, world, _ = data
    n = st.Node.of(s.get(Region, world.regions[key]))
    seen = set()
    for now in _deadline_instants(s):
        stocks = _both_ways(s, n, RNG, now, monkeypatch)
        seen.add(stocks["overdue_now"])
    if key != "A1":
        assert len(seen) > 1, "no instant moved the overdue count: the test compares nothing"
