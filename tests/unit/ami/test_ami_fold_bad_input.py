"""Odd events never crash the fold; each is counted and the calls stay right."""

from __future__ import annotations

from pathlib import Path

from integrations.ami.fold import CallFold
from integrations.ami.replay import fold_events, load_events

AMI = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "ami"


def ended(fold, events, t=0):
    return [rec.to_json() for ev in events for kind, rec, _ in fold.apply(ev, t) if kind == "ended"]


def chan(event, channel, uid, lid, **more):
    return {"Event": event, "Channel": channel, "Uniqueid": uid, "Linkedid": lid, **more}


def simple_call(lid, n=0):
    root = f"PJSIP/trunk-{n:08x}"
    agent = f"PJSIP/8001-{n + 1:08x}"
    return [
        chan("Newchannel", root, lid, lid, CallerIDNum="13800138000", CallerIDName="张三"),
        chan("QueueCallerJoin", root, lid, lid, Queue="hotline", Position="1"),
        chan("Newchannel", agent, lid + "1", lid),
        chan(
            "AgentCalled",
            root,
            lid,
            lid,
            DestChannel=agent,
            Queue="hotline",
            MemberName="8001",
            Interface="PJSIP/8001",
        ),
        chan(
            "AgentConnect",
            root,
            lid,
            lid,
            DestChannel=agent,
            Queue="hotline",
            MemberName="8001",
            Interface="PJSIP/8001",
        ),
        chan(
            "AgentComplete",
            root,
            lid,
            lid,
            DestChannel=agent,
            Queue="hotline",
            MemberName="8001",
            Interface="PJSIP/8001",
            Reason="agent",
        ),
        chan("Hangup", agent, lid + "1", lid, Cause="16"),
        chan("Hangup", root, lid, lid, Cause="16"),
    ]


def test_unknown_events_are_counted_and_ignored():
    fold = CallFold()
    assert ended(fold, [{"Event": "BrandNewThing", "Foo": "1"}] * 3 + simple_call("5.1")) != []
    assert fold.odd.counts["unknown_event"] == 3


def test_duplicated_event_frames_are_folded_once():
    events = [dict(ev, Timestamp=f"1700000000.{i:06d}") for i, ev in enumerate(simple_call("5.2"))]
    doubled = [ev for ev in events for _ in (0, 1)]
    fold = CallFold()
    [record] = ended(fold, doubled)
    assert record["agents_rung"] == ["8001"] and record["disposition"] == "answered"
    assert fold.odd.counts["duplicate_event"] == len(events)


def test_event_missing_required_fields_is_skipped_and_counted():
    fold = CallFold()
    events = simple_call("5.3")
    events.insert(3, {"Event": "AgentCalled", "Linkedid": "5.3", "Queue": "hotline"})
    [record] = ended(fold, events)
    assert record["answered_by"] == "8001"
    assert fold.odd.counts["missing_field"] == 1


def test_events_without_linkedid_are_routed_by_channel():
    fold = CallFold()
    events = simple_call("5.4")
    events[-1] = {"Event": "Hangup", "Channel": "PJSIP/trunk-00000000", "Cause": "16"}
    assert [r["linkedid"] for r in ended(fold, events)] == ["5.4"]


def test_hangup_of_a_call_never_seen_is_dropped_without_a_ghost():
    fold = CallFold()
    ended(
        fold,
        [
            chan("Hangup", "PJSIP/x-00000001", "9.9", "9.9", Cause="16"),
            chan("DialEnd", "PJSIP/x-00000001", "9.9", "9.9", DestChannel="PJSIP/8001-1"),
        ],
    )
    assert fold.active() == [] and fold.odd.counts["orphan_event"] == 2


def test_call_seen_from_the_middle_is_adopted_and_closes():
    fold = CallFold()
    mid = simple_call("6.1")[3:]  # starts at AgentCalled: the bridge joined mid-call
    [record] = ended(fold, mid)
    assert record["adopted"] is True
    assert (record["answered_by"], record["queue"], record["disposition"]) == (
        "8001",
        "hotline",
        "answered",
    )


def test_late_events_after_a_call_ended_do_not_reopen_it():
    fold = CallFold()
    events = simple_call("6.2")
    assert len(ended(fold, events)) == 1
    assert ended(fold, events) == [] and fold.active() == []


def test_non_numeric_caller_fields_and_placeholders_become_null():
    fold = CallFold()
    events = simple_call("6.3")
    events[0] = dict(events[0], CallerIDNum="<unknown>", CallerIDName="")
    [record] = ended(fold, events)
    assert (record["caller_number"], record["caller_name"]) == (None, None)


def test_fifty_thousand_event_burst_folds_in_order_with_bounded_state():
    fold = CallFold(max_active=1000, remember_ended=2000)
    lids = [f"7.{i}" for i in range(6000)]
    events = []
    for i, lid in enumerate(lids):
        events += simple_call(lid, 2 * i)
    events += [
        {"Event": "Hangup", "Channel": f"PJSIP/ghost-{i:08x}", "Linkedid": f"8.{i}"}
        for i in range(50_000 - len(events))
    ]
    assert len(events) == 50_000
    records = ended(fold, events)
    assert [r["linkedid"] for r in records] == lids
    assert fold.active() == [] and len(fold.ended) == 2000 and not fold.chan_call


def test_too_many_calls_in_progress_evicts_the_oldest_and_counts_it():
    fold = CallFold(max_active=10)
    for i in range(15):
        fold.apply(chan("Newchannel", f"PJSIP/t-{i:08x}", f"3.{i}", f"3.{i}"), 0)
    assert len(fold.active()) == 10 and fold.odd.counts["evicted"] == 5


def test_shuffled_fixture_trace_never_raises():
    import random

    events = load_events(AMI / "ring_no_answer_then_answered.ami.txt")
    rng = random.Random(4)
    for _ in range(20):
        rng.shuffle(events)
        fold_events(events)
