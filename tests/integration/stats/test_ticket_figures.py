"""Each ticket figure equals the count done by hand on the fixed data set (dataset.py)."""
from __future__ import annotations

from datetime import date

import pytest

import stats_dataset as dataset
from callcenter.models import Region
from callcenter.services.stats import drill, rollups, tickets as st
from callcenter.services.stats.periods import DateRange

SEPT = DateRange(date(2025, 9, 28), date(2025, 9, 30))
HOLIDAY = DateRange(date(2025, 10, 1), date(2025, 10, 5))


@pytest.fixture(params=["summaries", "street rows", "base tables"])
def source(request, monkeypatch):
    """Every figure is checked three times: read from the summaries (area rows where they
    answer), from the street rows alone, and from the base tables."""
    if request.param == "street rows":
        monkeypatch.setattr("callcenter.services.stats.ticket_source.AREA_ROWS", False)
    if request.param == "base tables":
        monkeypatch.setattr(rollups, "summary_covers", lambda level: False)
        monkeypatch.setattr("callcenter.services.stats.ticket_source.summary_covers", lambda level: False)
    return request.param


def node(s, world, key):
    return st.Node.of(s.get(Region, world.regions[key]))


def test_district_figures_match_the_hand_count(data, source):
    s, world, _ = data
    f = st.summary(s, node(s, world, "A"), SEPT, dataset.NOW)
    assert (f["received"], f["valid"], f["cancelled"]) == (4, 4, 0)          # T1 T2 T5 T6
    assert f["response_rate"] == 0.5          # T1 accepted on time, T2 resolved directly
    assert f["resolution_rate"] == 0.5        # T1, T2
    assert f["satisfaction_rate"] == 0.5      # T1 rated 5, T2 rated 3
    assert f["rating_coverage"] == 1.0
    assert f["on_time_accept_rate"] == round(1 / 3, 4)   # T1 / (T1, T6 late, T5 waiting past due)
    assert f["on_time_complete_rate"] == 0.5  # (T1, T2) / (T1, T2 + T5, T6 overdue now)
    assert f["avg_handle_hours"] == round((9 * 24 + (4 * 24 + 9.5)) / 2, 2)  # T1 9 days, T2 to 5 Oct
    assert f["by_status"] == {"closed": 1, "revisited": 1, "dispatched": 1, "accepted": 1}
    assert (f["open_now"], f["overdue_now"], f["escalated_now"]) == (3, 3, 1)  # T3 T5 T6; T5


def test_a_deadline_across_the_holiday_keeps_a_ticket_on_time(data, source):
    s, world, _ = data
    f = st.summary(s, node(s, world, "gridA1"), SEPT, dataset.NOW)
    # T1 resolved on 9 Oct: without the holiday calendar it would be six days late.
    assert (f["received"], f["resolved"], f["on_time_complete_rate"]) == (2, 2, 1.0)


def test_a_ticket_reopened_twice_counts_two_reopenings_and_one_resolution(data, source):
    s, world, _ = data
    f = st.summary(s, node(s, world, "A"), HOLIDAY, dataset.NOW)
    assert (f["reopens"], f["returns"]) == (2, 1)   # T2 twice; T3 returned on 2 Oct
    assert f["received"] == 1                       # T3, received 1 Oct 00:10 local
    g = st.summary(s, node(s, world, "gridA1"), SEPT, dataset.NOW)
    assert g["resolved"] == 2 and g["rated"] == 2


def test_days_are_shanghai_days_around_midnight(data, source):
    s, world, _ = data
    trend = st.trend(s, node(s, world, "city"), DateRange(date(2025, 9, 28), date(2025, 10, 1)), "day")
    assert [(t["period"], t["received"]) for t in trend] == [
        ("2025-09-28", 1), ("2025-09-29", 2), ("2025-09-30", 2), ("2025-10-01", 1)]
    weeks = st.trend(s, node(s, world, "city"), DateRange(date(2025, 9, 28), date(2025, 10, 1)), "week")
    assert [(t["period"], t["received"]) for t in weeks] == [("2025-09-22", 1), ("2025-09-29", 5)]


def test_children_side_by_side_add_up_to_the_node(data, source):
    s, world, _ = data
    rows = st.children(s, node(s, world, "A"), SEPT, dataset.NOW)
    assert [(r["name"], r["received"]) for r in rows] == [("本级", 1), ("街道A1", 3), ("街道A2", 0)]
    street = st.children(s, node(s, world, "A1"), SEPT, dataset.NOW)
    assert [(r["name"], r["received"]) for r in street] == [("本级", 1), ("社区A1", 2)]


def test_breakdowns_by_channel_type_and_category(data, source):
    s, world, _ = data
    a = node(s, world, "A")
    assert {r["value"]: r["received"] for r in st.by_dimension(s, a, SEPT, "channel")} == \
        {"phone": 2, "web": 1, "fax": 1}
    assert {r["value"]: r["received"] for r in st.by_dimension(s, a, SEPT, "type")} == \
        {"help": 2, "complaint": 1, "consult": 1}
    top = st.by_category(s, a, SEPT)
    assert [(r["name"], r["received"]) for r in top] == [("便民服务", 2), ("未分类", 2)]
    leaf = st.by_category(s, a, SEPT, world.categories["SRV"])
    assert [(r["name"], r["received"]) for r in leaf] == [("水电维修", 2)]


def test_last_year_and_previous_period_are_the_shifted_dates(data, source):
    s, world, _ = data
    c = st.compare(s, node(s, world, "A"), HOLIDAY, dataset.NOW)
    assert (c["current"]["received"], c["previous"]["received"], c["last_year"]["received"]) == (1, 4, 0)


@pytest.mark.parametrize("figure", ["received", "valid", "responded_on_time", "accepted",
                                    "accepted_on_time", "resolved", "resolved_on_time", "rated",
                                    "satisfied", "escalated"])
def test_drill_down_lists_total_to_the_number(data, figure):
    s, world, _ = data
    a = node(s, world, "A")
    m = st.src.measures(s, a.path, a.level, SEPT, [])[()]
    number = {"received": m["n"], "valid": m["n"]}.get(figure, m.get(figure))
    rows, total = drill.drill(s, a.path, figure, SEPT, dataset.NOW, per_page=2)
    assert total == number and len(rows) == min(2, number)


@pytest.mark.parametrize("key", ["root", "city", "A", "A1", "gridA1"])
@pytest.mark.parametrize("rng", [SEPT, HOLIDAY], ids=["sept", "holiday"])
def test_the_overview_equals_summary_and_children_computed_apart(data, key, rng):
    """The dashboard's one-query overview gives what summary() and children() give, at
    every level (summary tables above the street, base tables below)."""
    s, world, _ = data
    n = node(s, world, key)
    current, kids = st.overview(s, n, rng, dataset.NOW)
    assert current == st.summary(s, n, rng, dataset.NOW)
    assert kids == st.children(s, n, rng, dataset.NOW)


def test_a_page_past_the_end_is_empty_and_still_gives_the_total(data):
    s, world, _ = data
    a = node(s, world, "A")
    n = st.src.measures(s, a.path, a.level, SEPT, [])[()]["n"]
    rows, total = drill.drill(s, a.path, "received", SEPT, dataset.NOW, page=99, per_page=2)
    assert rows == [] and total == n > 0


def test_drill_down_of_events_and_stocks_total_to_the_number(data):
    s, world, numbers = data
    a = node(s, world, "A")
    f = st.summary(s, a, HOLIDAY, dataset.NOW)
    for figure in ("returns", "reopens", "open_now", "overdue_now", "escalated_now"):
        rows, total = drill.drill(s, a.path, figure, HOLIDAY, dataset.NOW)
        assert total == f[figure] == len(rows), figure
    rows, _ = drill.drill(s, a.path, "reopens", HOLIDAY, dataset.NOW)
    assert [t.number for t in rows] == [numbers["T2"], numbers["T2"]]


def test_drill_down_by_category_and_channel_filters(data):
    s, world, numbers = data
    a = node(s, world, "A")
    rows, total = drill.drill(s, a.path, "received", SEPT, dataset.NOW,
                              {"category_id": world.categories["SRV"]})
    assert total == 2 and {t.number for t in rows} == {numbers["T1"], numbers["T5"]}
    with pytest.raises(drill.DrillError):
        drill.drill(s, a.path, "drop table", SEPT, dataset.NOW)
