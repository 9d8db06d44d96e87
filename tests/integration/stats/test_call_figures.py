"""Call figures equal the hand count on a few stored calls (Monday 3 March 2025, Shanghai)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from callcenter.domain.calendar import SHANGHAI
from callcenter.services.calls import record_agent_changes, save_call_records
from callcenter.services.stats import calls as sc
from callcenter.services.stats.periods import DateRange

MON = DateRange(date(2025, 3, 3), date(2025, 3, 3))
BOTH = DateRange(date(2025, 3, 3), date(2025, 3, 4))


def call(lid, start, disposition, wait, talk=0, queue="hotline", agent=None, direction="inbound"):
    started = datetime(2025, 3, *start, tzinfo=SHANGHAI)
    return {"linkedid": lid, "queue": queue, "disposition": disposition, "wait_seconds": wait,
            "talk_seconds": talk, "answered_by": agent, "direction": direction,
            "started_at": started, "ended_at": started + timedelta(seconds=wait + talk + 5)}


CALLS = [
    call("c1", (3, 9, 0, 10), "answered", 10, 120, agent="8001"),
    call("c2", (3, 9, 20), "answered", 30, 60, agent="8002"),
    call("c3", (3, 9, 40), "abandoned", 3),
    call("c4", (3, 10, 5), "abandoned", 40),
    call("c5", (3, 10, 30), "ivr_only", 0, queue=None),
    call("c6", (3, 23, 59, 50), "answered", 20, 300, agent="8002"),   # talks past midnight
    call("c7", (4, 8, 0), "answered", 5, 30, queue="care", agent="8001"),
    call("c8", (3, 11, 0), "answered", 0, 50, agent="8001", direction="outbound"),
]


@pytest.fixture(scope="module")
def calls_db(module_container):
    with module_container.sessions.begin() as s:
        save_call_records(s, CALLS)
        t = lambda h, m, sec=0: datetime(2025, 3, 3, h, m, sec, tzinfo=SHANGHAI)  # noqa: E731
        record_agent_changes(s, [
            {"agent": "8001", "state": st, "reason": r, "at": at} for st, r, at in [
                ("ready", None, t(8, 55)), ("paused", "用餐", t(10, 0)), ("ready", None, t(10, 30)),
                ("wrap_up", None, t(11, 0)), ("ready", None, t(11, 0, 30)), ("offline", None, t(18, 0))]])
    return module_container


def test_queue_figures_match_the_hand_count(calls_db):
    with calls_db.sessions() as s:
        f = sc.queue_figures(s, MON)
    assert (f["offered"], f["answered"], f["abandoned"], f["abandoned_short"], f["ivr_only"]) == \
        (6, 3, 2, 1, 1)                               # c8 is outbound: not offered
    assert f["service_level"] == 0.2                  # c1 only, of 5 calls that queued
    assert (f["asa"], f["aht"], f["max_wait"]) == (20.0, 160.0, 40)


def test_a_call_across_midnight_counts_on_the_day_and_hour_it_started(calls_db):
    with calls_db.sessions() as s:
        hours = {h["hour"]: h["offered"] for h in sc.by_hour(s, MON)}
        tuesday = sc.queue_figures(s, DateRange(date(2025, 3, 4), date(2025, 3, 4)))
    assert hours[23] == 1 and hours[0] == 0 and sum(hours.values()) == 6
    assert tuesday["offered"] == 1                    # c7 only


def test_a_threshold_other_than_the_default_reads_the_call_records(calls_db):
    with calls_db.sessions() as s:
        assert sc.queue_figures(s, MON, sl_seconds=30)["service_level"] == 0.6   # c1 c2 c6
        assert sc.queue_figures(s, MON, sl_seconds=15) == sc.queue_figures(s, MON)
        assert sc.queue_figures(s, MON, sl_seconds=16)["service_level"] == 0.2


def test_per_queue_and_heat_map(calls_db):
    with calls_db.sessions() as s:
        queues = {q["queue"]: q["offered"] for q in sc.by_queue(s, BOTH)}
        grid = sc.heatmap(s, BOTH)
    assert queues == {"hotline": 5, "care": 1, "-": 1}
    assert (grid[0][9], grid[0][10], grid[0][23], grid[1][8]) == (3, 2, 1, 1)
    assert sum(map(sum, grid)) == 7


def test_per_agent_answered_talk_pause_wrapup_and_login(calls_db):
    with calls_db.sessions() as s:
        agents = {a["agent"]: a for a in sc.agent_figures(s, MON)}
    a = agents["8001"]
    assert (a["answered"], a["talk_seconds"]) == (1, 120)
    assert a["pause_seconds"] == {"用餐": 1800} and a["wrapup_seconds"] == 30
    assert a["login_seconds"] == 9 * 3600 + 5 * 60
    assert (agents["8002"]["answered"], agents["8002"]["talk_seconds"]) == (2, 360)


def test_restoring_a_call_recounts_its_hour(module_container, calls_db):
    with module_container.sessions.begin() as s:
        save_call_records(s, [dict(CALLS[3], disposition="answered", agent="8002", talk_seconds=10)])
    with module_container.sessions() as s:
        f = sc.queue_figures(s, MON)
        base = sc.queue_figures(s, MON, sl_seconds=16)
    assert (f["answered"], f["abandoned"]) == (4, 1)
    assert {k: v for k, v in f.items() if k != "service_level"} == \
        {k: v for k, v in base.items() if k != "service_level"}
