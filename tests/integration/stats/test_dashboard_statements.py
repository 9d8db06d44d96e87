"""A dashboard's figures in few round trips: the node's and its children's figures from one
measures statement, one stock statement (open-stock rows and today's deadlines together),
one for the actions and one for the children's names — at every summary level (a street's
children, finer than the stock rows, read the open tickets instead)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

import stats_dataset as dataset
from callcenter.models import Region
from callcenter.services.stats import ticket_source, tickets as st
from callcenter.services.stats.periods import DateRange

RNG = DateRange(date(2025, 8, 20), date(2025, 11, 10))


def _statements(s, fn) -> list[str]:
    seen: list[str] = []

    def spy(conn, cursor, statement, params, context, executemany):
        seen.append(statement)
    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", spy)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return seen


@pytest.mark.parametrize("key,rows", [("root", True), ("city", True), ("A", True), ("A1", False)])
def test_overview_reads_in_four_statements(data, key, rows):
    s, world, _ = data
    n = st.Node.of(s.get(Region, world.regions[key]))
    sql = _statements(s, lambda: st.overview(s, n, RNG, dataset.NOW))
    assert len(sql) == 4, sql
    stock = [q for q in sql if "open_now" in q]
    assert len(stock) == 1
    if rows:
        assert "stats_ticket_open_stock" in stock[0] and "UNION ALL" in stock[0].upper()
    else:
        assert "stats_ticket_open_stock" not in " ".join(sql)


def test_the_same_shape_reads_the_same_statement_text(data):
    """Built once per shape with bind parameters: another node or range of the same shape
    sends the very same SQL (PostgreSQL can keep it prepared), with the same figures as
    a select built afresh."""
    s, world, _ = data
    a, b = (st.Node.of(s.get(Region, world.regions[k])) for k in ("A", "B"))
    other = DateRange(date(2025, 7, 20), date(2025, 10, 10))   # months and two edges too
    first = _statements(s, lambda: st.overview(s, a, RNG, dataset.NOW))
    again = _statements(s, lambda: st.overview(s, b, other, dataset.NOW))
    assert first == again
    cached = st.overview(s, b, other, dataset.NOW)
    ticket_source._summary_statement.cache_clear()
    ticket_source._stock_rows_statement.cache_clear()
    assert st.overview(s, b, other, dataset.NOW) == cached
