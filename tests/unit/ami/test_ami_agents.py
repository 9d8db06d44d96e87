"""Agent state per extension: queue member events, the console, and the wrap-up timer."""

from __future__ import annotations

from integrations.ami.agents import AgentTracker
from integrations.ami.records import US

S = 1_700_000_000 * US


def member(event, ext="8001", queue="hotline", **more):
    return {"Event": event, "Queue": queue, "MemberName": ext, "Interface": f"PJSIP/{ext}", **more}


def states(changes):
    return [(c.agent, c.state, c.reason) for c in changes]


def logged_in(tracker, ext="8001", queue="hotline"):
    tracker.apply(member("QueueMemberAdded", ext, queue, Paused="0", Status="1"), S)


def test_wrap_up_ends_when_the_clock_passes_its_deadline_without_any_event():
    tracker = AgentTracker({"hotline": 30})
    logged_in(tracker)
    tracker.apply(member("AgentComplete", Reason="caller"), S + 10 * US)
    assert tracker.expire(S + 39 * US) == []
    assert tracker.next_deadline() == S + 40 * US
    [change] = tracker.expire(S + 41 * US)
    assert (change.state, change.at, change.source) == ("ready", S + 40 * US, "wrapup_timer")


def test_wrap_up_deadline_follows_lastcall_of_the_member_status_after_the_call():
    tracker = AgentTracker({"hotline": 5})
    logged_in(tracker)
    tracker.apply(member("AgentComplete"), S + 10 * US + 700_000)
    tracker.apply(
        member("QueueMemberStatus", InCall="0", Status="1", Paused="0", LastCall=str(S // US + 10)),
        S + 10 * US + 800_000,
    )
    assert tracker.next_deadline() == S + 15 * US


def test_zero_wrap_up_goes_straight_back_to_ready():
    tracker = AgentTracker({"hotline": 0})
    logged_in(tracker)
    tracker.apply(member("AgentConnect"), S)
    assert states(tracker.apply(member("AgentComplete"), S)) == [("8001", "ready", None)]


def test_pbx_wins_when_it_disagrees_with_the_console():
    tracker = AgentTracker()
    logged_in(tracker)
    tracker.console("8001", "paused", "用餐", S + US)
    changes = tracker.apply(
        member("QueueMemberStatus", Paused="0", Status="1", InCall="0"), S + 2 * US
    )
    assert states(changes) == [("8001", "ready", None)]


def test_console_action_confirmed_by_the_pbx_is_not_announced_twice():
    tracker = AgentTracker()
    logged_in(tracker)
    assert states(tracker.console("8001", "paused", "会议", S)) == [("8001", "paused", "会议")]
    assert tracker.apply(member("QueueMemberPause", Paused="1", PausedReason="会议"), S) == []


def test_ringall_agent_that_did_not_answer_is_ready_again():
    tracker = AgentTracker()
    logged_in(tracker, "8001")
    logged_in(tracker, "8002")
    tracker.apply(member("AgentCalled", "8001"), S)
    tracker.apply(member("AgentCalled", "8002"), S)
    tracker.apply(member("AgentConnect", "8002"), S + US)
    changes = tracker.apply(
        member("QueueMemberStatus", "8001", Status="1", InCall="0", Paused="0"), S + US
    )
    assert states(changes) == [("8001", "ready", None)]


def test_phone_gone_means_offline_unavailable_and_back_means_ready():
    tracker = AgentTracker()
    logged_in(tracker)
    gone = tracker.apply(member("QueueMemberStatus", Status="5", Paused="0", InCall="0"), S)
    back = tracker.apply(member("QueueMemberStatus", Status="1", Paused="0", InCall="0"), S + US)
    assert states(gone + back) == [("8001", "offline", "unavailable"), ("8001", "ready", None)]


def test_agent_in_two_queues_is_offline_only_after_leaving_both():
    tracker = AgentTracker()
    logged_in(tracker, queue="hotline")
    logged_in(tracker, queue="care")
    assert tracker.apply(member("QueueMemberRemoved", queue="hotline"), S) == []
    assert states(tracker.apply(member("QueueMemberRemoved", queue="care"), S)) == [
        ("8001", "offline", None)
    ]


def test_resync_takes_the_pbx_list_and_logs_out_agents_it_no_longer_has():
    tracker = AgentTracker()
    logged_in(tracker, "8009")
    changes = tracker.resync(
        [
            {
                "Event": "QueueMember",
                "Queue": "hotline",
                "Name": "8001",
                "Location": "PJSIP/8001",
                "Paused": "1",
                "PausedReason": "培训",
                "Status": "1",
                "InCall": "0",
            },
            {
                "Event": "QueueMember",
                "Queue": "care",
                "Name": "8003",
                "Location": "PJSIP/8003",
                "Paused": "0",
                "Status": "2",
                "InCall": "1",
            },
        ],
        S,
    )
    assert sorted(states(changes)) == [
        ("8001", "paused", "培训"),
        ("8003", "on_call", None),
        ("8009", "offline", None),
    ]
