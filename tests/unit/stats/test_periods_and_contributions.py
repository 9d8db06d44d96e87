"""Pure rules: Shanghai day ranges, month splitting, comparison periods, ticket contributions."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from callcenter.services.stats import contributions as c
from callcenter.services.stats.periods import DateRange, PeriodError, buckets, parse_range
from callcenter.services.stats.rollups import compute_rollup


def test_a_local_day_starts_at_1600_utc_the_day_before():
    lo, hi = DateRange(date(2025, 10, 1), date(2025, 10, 1)).utc_bounds()
    assert (lo, hi) == (datetime(2025, 9, 30, 16, tzinfo=timezone.utc),
                        datetime(2025, 10, 1, 16, tzinfo=timezone.utc))


def test_whole_months_come_from_monthly_rows_and_edges_from_daily_rows():
    months, edges = DateRange(date(2025, 1, 15), date(2025, 4, 10)).split_months()
    assert months == [date(2025, 2, 1), date(2025, 3, 1)]
    assert edges == [DateRange(date(2025, 1, 15), date(2025, 1, 31)),
                     DateRange(date(2025, 4, 1), date(2025, 4, 10))]
    assert DateRange(date(2025, 2, 1), date(2025, 2, 28)).split_months() == ([date(2025, 2, 1)], [])


def test_previous_period_and_same_dates_last_year():
    r = DateRange(date(2024, 2, 29), date(2024, 3, 6))
    assert r.previous() == DateRange(date(2024, 2, 22), date(2024, 2, 28))
    assert r.last_year() == DateRange(date(2023, 2, 28), date(2023, 3, 6))


def test_weeks_start_on_monday_and_bad_input_is_refused():
    assert buckets(DateRange(date(2025, 9, 28), date(2025, 10, 1)), "week") == \
        [date(2025, 9, 22), date(2025, 9, 29)]
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for start, end in (("2025-13-01", None), ("2025-02-01", "2025-01-01")):
        with pytest.raises(PeriodError):
            parse_range(start, end, now)


def test_rollup_is_the_street_ancestor_or_the_region_itself():
    levels = {1: "country", 2: "province", 3: "city", 4: "district", 5: "street", 6: "community"}
    assert compute_rollup("/1/2/3/4/5/6/", levels) == "/1/2/3/4/5/"
    assert compute_rollup("/1/2/3/4/", levels) == "/1/2/3/4/"


def test_area_is_the_district_ancestor_or_the_region_itself():
    levels = {1: "country", 2: "province", 3: "city", 4: "district", 5: "street", 6: "community"}
    assert compute_rollup("/1/2/3/4/5/6/", levels, "district") == "/1/2/3/4/"
    assert compute_rollup("/1/2/3/", levels, "district") == "/1/2/3/"


def _facts(**kw):
    base = dict(rollup_path="/1/", area_path="/0/", type="help", status="open", channel="phone", category_id=None,
                target="-", created_at=datetime(2025, 9, 30, 15, 30, tzinfo=timezone.utc),
                dispatched_at=None, accept_deadline=None, accepted_at=None, complete_deadline=None,
                resolved_at=None, satisfaction=None, escalation_level=0)
    return c.TicketFacts(**(base | kw))


def test_a_ticket_counts_on_its_shanghai_day_and_month():
    rows = c.ticket_rows(_facts())
    assert ("periods", "d", date(2025, 9, 30), "/1/", "help", "open") in rows
    late = c.ticket_rows(_facts(created_at=datetime(2025, 9, 30, 16, 10, tzinfo=timezone.utc)))
    assert ("periods", "m", date(2025, 10, 1), "/1/", "help", "open") in late
    # the same ticket once more in the area rows, by its area path
    assert ("periods", "D", date(2025, 10, 1), "/0/", "help", "open") in late
    assert ("periods", "M", date(2025, 10, 1), "/0/", "help", "open") in late
    assert {k[1] for k in late if k[0] == "dimensions"} == {"d", "m", "D", "M"}


def test_a_change_moves_the_ticket_between_rows_and_nothing_else():
    t0 = datetime(2025, 9, 30, 2, tzinfo=timezone.utc)
    before, after = _facts(), _facts(status="resolved", resolved_at=t0.replace(hour=5), satisfaction=4)
    d = c.delta(c.ticket_rows(before), c.ticket_rows(after))
    old = d[("periods", "d", date(2025, 9, 30), "/1/", "help", "open")]
    new = d[("periods", "d", date(2025, 9, 30), "/1/", "help", "resolved")]
    assert old["n"] == -1 and new["n"] == 1 and new["resolved"] == 1 and new["satisfied"] == 1
    assert not any(k[0] == "dimensions" for k in d)   # channel, category, target unchanged
    assert c.delta(c.ticket_rows(before), c.ticket_rows(before)) == {}
