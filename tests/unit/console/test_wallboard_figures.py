"""The wallboard's figures for one queue, worked out by hand from small fixed days.

Definitions (docs/console.md): service level = answered within the threshold ÷ (answered
+ abandoned) today; ASA = mean wait of answered calls; AHT = mean talk time of answered
calls that ended; a call counts on the Asia/Shanghai day it reached the queue.
"""
from __future__ import annotations

from callcenter.services import live
from callcenter.services.wallboard import alerts, kpis, queue_view
from live_helpers import T0, agent, answered, ended, offered, sh

ROOM = "queue:hotline"


def room(day_of: float = T0) -> dict:
    return live.empty_state(ROOM, live.local_day(day_of))


def fold(state: dict, *events: tuple[str, dict], sl: int = 15) -> dict:
    for name, payload in events:
        live.apply(state, name, payload, now=payload["at"], sl_seconds=sl)
    return state


def call(lid: str, queued: float, answer: float | None, end: float | None) -> list:
    out = [("call.offered", offered(lid, queued))]
    if answer is not None:
        out.append(("call.answered", answered(lid, "8001", answer)))
    if end is not None:
        out.append(("call.ended", ended(lid, end, disposition="answered" if answer else "abandoned")))
    return out


def a_morning() -> dict:
    """5 calls: 2 answered (waits 10 s and 20 s, talks 120 s and 60 s), 1 abandoned after
    3 s, 2 still waiting (since T0+50 and T0+190); 4 agents in 4 states."""
    state = room()
    fold(state, *[("agent.state", agent(ext, st, T0 - 100, reason)) for ext, st, reason in
                  (("8001", "ready", None), ("8002", "on_call", None),
                   ("8003", "paused", "小休"), ("8004", "wrap_up", None))])
    fold(state, *call("L1", T0, T0 + 10, T0 + 130), *call("L2", T0 + 20, T0 + 40, T0 + 100),
         ("call.offered", offered("L3", T0 + 30)), ("call.abandoned", ended("L3", T0 + 33)),
         ("call.offered", offered("L4", T0 + 50)), ("call.offered", offered("L5", T0 + 190)))
    return state


def test_a_morning_of_calls_gives_the_hand_computed_figures():
    k = queue_view(a_morning(), T0 + 200)["kpis"]
    assert (k["offered"], k["answered"], k["abandoned"]) == (5, 2, 1)
    assert k["service_level"] == 33        # 1 of (2 answered + 1 abandoned) within 15 s
    assert (k["asa"], k["aht"]) == (15, 90)  # (10+20)/2, (120+60)/2
    assert (k["waiting"], k["longest_wait"]) == (2, 150)   # L4 since T0+50, now T0+200
    assert k["agents"] == {"ready": 1, "ringing": 0, "on_call": 1, "wrap_up": 1, "paused": 1,
                           "offline": 0}


def test_waiting_calls_are_listed_oldest_first_with_their_waits():
    rows = queue_view(a_morning(), T0 + 200)["calls"]
    assert [(r["linkedid"], r["wait"], r["phase"]) for r in rows] == \
        [("L4", 150, "queued"), ("L5", 10, "queued")]


def test_each_agent_shows_state_time_in_state_and_pause_reason():
    agents = queue_view(a_morning(), T0 + 200)["agents"]
    paused = next(a for a in agents if a["extension"] == "8003")
    assert (paused["state"], paused["reason"], paused["in_state"]) == ("paused", "小休", 300)
    assert [a["extension"] for a in agents] == ["8001", "8002", "8003", "8004"]


def test_answered_calls_count_toward_the_answering_agents_calls_today():
    state = fold(a_morning(), *call("L6", T0 + 300, T0 + 302, None))
    agents = {a["extension"]: a for a in queue_view(state, T0 + 310)["agents"]}
    assert agents["8001"]["calls_today"] == 3 and agents["8002"]["calls_today"] == 0


def test_no_calls_today_gives_no_figures_rather_than_a_division_by_zero():
    view = queue_view(room(), T0)
    k = view["kpis"]
    assert (k["offered"], k["answered"], k["abandoned"], k["waiting"], k["longest_wait"]) == \
        (0, 0, 0, 0, 0)
    assert (k["service_level"], k["asa"], k["aht"]) == (None, None, None)
    assert view["alerts"] == [] and view["calls"] == []


def test_only_abandoned_calls_give_a_zero_service_level_and_no_asa():
    state = fold(room(), ("call.offered", offered("L1", T0)), ("call.abandoned", ended("L1", T0 + 40)))
    k = kpis(state["counts"], 15)
    assert (k["service_level"], k["asa"], k["aht"]) == (0, None, None)


def test_answered_at_exactly_the_threshold_is_within_the_service_level():
    state = fold(room(), *call("L1", T0, T0 + 15, None), *call("L2", T0, T0 + 15.5, None))
    assert (state["counts"]["answered_in_sl"], kpis(state["counts"], 15)["service_level"]) == (1, 50)


def test_service_level_uses_the_queues_own_threshold():
    state = fold(room(), *call("L1", T0, T0 + 12, None), sl=10)
    assert kpis(state["counts"], 10)["service_level"] == 0


def test_call_abandoned_within_five_seconds_still_counts_as_abandoned():
    """The statistics pages show short abandons apart; the live board counts them all."""
    state = fold(room(), *call("L1", T0, T0 + 5, None),
                 ("call.offered", offered("L2", T0)), ("call.abandoned", ended("L2", T0 + 4)))
    k = kpis(state["counts"], 15)
    assert (k["offered"], k["answered"], k["abandoned"], k["service_level"]) == (2, 1, 1, 50)


def test_talk_time_from_the_bridges_record_wins_over_the_event_clock():
    state = fold(room(), *call("L1", T0, T0 + 5, None),
                 ("call.ended", ended("L1", T0 + 200, disposition="answered", talk_seconds=61)))
    assert kpis(state["counts"], 15)["aht"] == 61


def test_ended_call_that_was_never_answered_is_not_in_aht():
    state = fold(room(), ("call.offered", offered("L1", T0)),
                 ("call.ended", ended("L1", T0 + 30, disposition="abandoned")))
    k = kpis(state["counts"], 15)
    assert (k["abandoned"], k["aht"]) == (1, None)


def test_call_queued_before_midnight_counts_on_the_day_it_started():
    before = sh("2024-05-20 23:59:50")
    state = fold(room(before), ("call.offered", offered("N1", before)),
                 ("call.answered", answered("N1", "8001", before + 15)))   # 00:00:05
    k = queue_view(state, before + 20)["kpis"]
    assert state["day"] == "2024-05-21"
    assert (k["offered"], k["answered"], k["service_level"], k["asa"]) == (0, 0, None, None)


def test_waiting_call_stays_on_the_board_across_midnight():
    before = sh("2024-05-20 23:59:50")
    state = fold(room(before), ("call.offered", offered("N1", before)),
                 ("call.offered", offered("N2", before + 20)))          # 00:00:10
    view = queue_view(state, before + 30)
    assert (view["kpis"]["waiting"], view["kpis"]["longest_wait"]) == (2, 30)
    assert (view["kpis"]["offered"], view["kpis"]["answered"]) == (1, 0)   # only N2 is today's


def test_yesterdays_counts_are_not_shown_as_today_before_the_first_event():
    state = fold(room(), *call("L1", T0, T0 + 5, T0 + 65))
    k = queue_view(state, sh("2024-05-21 08:00:00"))["kpis"]
    assert (k["offered"], k["answered"], k["aht"]) == (0, 0, None)


def test_midnight_in_shanghai_is_not_midnight_utc():
    state = fold(room(sh("2024-05-20 07:00:00")), *call("L1", sh("2024-05-20 07:59:00"),
                                                        sh("2024-05-20 08:00:05"), None))
    assert state["day"] == "2024-05-20" and state["counts"]["answered"] == 1   # 00:00 UTC


def test_wait_past_the_alert_threshold_raises_long_wait():
    state = fold(room(), ("agent.state", agent("8001", "ready", T0)),
                 ("call.offered", offered("L1", T0)))
    assert queue_view(state, T0 + 60, wait_alert_seconds=60)["alerts"] == []
    assert queue_view(state, T0 + 61, wait_alert_seconds=60)["alerts"] == ["long_wait"]


def test_talking_call_does_not_count_as_a_long_wait():
    state = fold(room(), ("agent.state", agent("8001", "on_call", T0)),
                 *call("L1", T0, T0 + 3, None))
    view = queue_view(state, T0 + 600)
    assert view["kpis"]["waiting"] == 0 and view["alerts"] == ["no_ready_agent"]


def test_queue_with_agents_but_none_ready_raises_no_ready_agent():
    assert alerts(0, 0.0, {"ready": 0, "paused": 2, "offline": 0}, 60) == ["no_ready_agent"]
    assert alerts(0, 0.0, {"ready": 1, "paused": 2}, 60) == []


def test_waiting_call_with_nobody_logged_in_raises_no_ready_agent():
    assert alerts(1, 5.0, {"ready": 0, "offline": 3}, 60) == ["no_ready_agent"]


def test_empty_queue_with_everyone_logged_off_raises_nothing():
    assert alerts(0, 0.0, {"ready": 0, "offline": 3}, 60) == []
