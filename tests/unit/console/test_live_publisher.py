"""LivePublisher: which rooms an event reaches, what each room's state becomes, and the
per-room `seq` / `epoch` that let a console notice a gap or a restart (docs/events.md)."""
from __future__ import annotations

import threading

from integrations.push import LivePublisher, MemoryMirror
from live_helpers import T0, RecordingEmitter, agent, answered, ended, offered, ringing


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def publisher(mirror=None) -> tuple[LivePublisher, RecordingEmitter]:
    emitter = RecordingEmitter()
    pub = LivePublisher(emitter, mirror or MemoryMirror(), clock=Clock(T0 + 60))
    emitter.settle = lambda: pub.flush(5)
    return pub, emitter


def calls(pub: LivePublisher, room: str) -> dict:
    return pub.snapshot(room)["state"]["calls"]


def test_ringing_call_pops_only_in_the_ringing_agents_room():
    pub, sent = publisher()
    pub.publish("agent.state", agent("8002", "ready", T0), room="agent:8002")
    pub.publish("call.ringing", ringing("L1", "8001", T0 + 1), room="agent:8001")
    agent_rooms = {r for r in sent.rooms() if r.startswith("agent:")}
    assert [e for e, _ in sent.to("agent:8001")] == ["call.ringing"]
    assert agent_rooms == {"agent:8001", "agent:8002"}
    assert [e for e, _ in sent.to("agent:8002")] == ["agent.state"]   # no pop for 8002
    assert list(calls(pub, "agent:8001")) == ["L1"] and calls(pub, "agent:8002") == {}
    assert calls(pub, "agent:8001")["L1"]["phase"] == "ringing"


def test_agents_room_is_emitted_before_the_queue_room():
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="queue:hotline")
    assert [r for _, _, r in sent.sent] == ["agent:8001", "queue:hotline"]


def test_offered_call_reaches_the_queue_room_and_no_agent():
    pub, sent = publisher()
    pub.publish("call.offered", offered("L1", T0), room="queue:hotline")
    assert sent.rooms() == {"queue:hotline"}
    assert calls(pub, "queue:hotline")["L1"]["phase"] == "queued"


def test_answered_call_becomes_the_active_call_with_its_answer_time():
    pub, _ = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.answered", answered("L1", "8001", T0 + 4), room="agent:8001")
    call = calls(pub, "agent:8001")["L1"]
    assert (call["phase"], call["phase_since"], call["since"]) == ("talking", T0 + 4, T0)
    assert calls(pub, "queue:hotline")["L1"]["phase"] == "talking"


def test_call_answered_by_another_agent_leaves_the_first_agents_room():
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.ringing", ringing("L1", "8002", T0), room="agent:8002")
    pub.publish("call.answered", answered("L1", "8002", T0 + 3), room="agent:8002")
    assert calls(pub, "agent:8001") == {}
    assert list(calls(pub, "agent:8002")) == ["L1"]
    assert [e for e, _ in sent.to("agent:8001")] == ["call.ringing", "call.answered"]


def test_ended_call_is_removed_from_every_room_holding_it():
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.answered", answered("L1", "8001", T0 + 2), room="agent:8001")
    pub.publish("call.ended", ended("L1", T0 + 30, disposition="answered"), room=None)
    assert calls(pub, "agent:8001") == {} and calls(pub, "queue:hotline") == {}
    assert {r for e, _, r in sent.sent if e == "call.ended"} == {"agent:8001", "queue:hotline"}


def test_abandoned_call_is_removed_from_the_ringing_agents_room_too():
    pub, _ = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.abandoned", ended("L1", T0 + 8), room="queue:hotline")
    assert calls(pub, "agent:8001") == {} and calls(pub, "queue:hotline") == {}


def test_closed_call_never_comes_back_from_a_late_event():
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.ended", ended("L1", T0 + 5), room="queue:hotline")
    before = len(sent.sent)
    pub.publish("call.ringing", ringing("L1", "8001", T0 + 6), room="agent:8001")
    assert calls(pub, "agent:8001") == {} and len(sent.sent) == before


def test_duplicate_event_is_not_emitted_again():
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="queue:hotline")
    assert len(sent.to("agent:8001")) == 1 and len(sent.to("queue:hotline")) == 1


def test_ended_named_for_two_rooms_is_emitted_once_per_room():
    """The bridge publishes call.ended to the queue room and each rung agent's room."""
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    for room in ("agent:8001", "queue:hotline"):
        pub.publish("call.ended", ended("L1", T0 + 9, disposition="abandoned"), room=room)
    assert [e for e, _ in sent.to("agent:8001")] == ["call.ringing", "call.ended"]
    assert [e for e, _ in sent.to("queue:hotline")] == ["call.ringing", "call.ended"]


def test_seq_counts_up_by_one_per_room_independently():
    pub, sent = publisher()
    pub.publish("call.offered", offered("L1", T0), room="queue:hotline")
    pub.publish("call.ringing", ringing("L1", "8001", T0 + 1), room="agent:8001")
    pub.publish("call.ringing", ringing("L1", "8001", T0 + 1), room="agent:8001")  # duplicate
    pub.publish("call.answered", answered("L1", "8001", T0 + 2), room="agent:8001")
    pub.publish("call.ended", ended("L1", T0 + 9), room="queue:hotline")
    assert [d["seq"] for _, d in sent.to("queue:hotline")] == [1, 2, 3, 4]
    assert [d["seq"] for _, d in sent.to("agent:8001")] == [1, 2, 3]
    assert pub.snapshot("agent:8001")["seq"] == 3 and pub.snapshot("queue:hotline")["seq"] == 4


def test_every_emit_carries_its_room_and_the_publishers_epoch():
    pub, sent = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    for _, data, room in sent.sent:
        assert data["room"] == room and data["epoch"] == pub.epoch


def test_epoch_changes_when_the_publisher_restarts():
    first, _ = publisher()
    second, sent = publisher()
    second.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    assert first.epoch != second.epoch
    assert sent.to("agent:8001")[0][1]["seq"] == 1   # a fresh counter, told apart by epoch


def test_snapshot_of_an_unknown_room_is_empty_at_seq_zero():
    pub, _ = publisher()
    snap = pub.snapshot("agent:8009")
    assert (snap["seq"], snap["state"]["calls"], snap["epoch"]) == (0, {}, pub.epoch)


def test_snapshot_is_a_copy_later_events_do_not_change():
    pub, _ = publisher()
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    snap = pub.snapshot("agent:8001")
    pub.publish("call.ended", ended("L1", T0 + 5), room="queue:hotline")
    assert list(snap["state"]["calls"]) == ["L1"] and snap["seq"] == 1


def test_queue_room_emits_carry_the_wallboard_view():
    pub, sent = publisher()
    pub.publish("call.offered", offered("L1", T0), room="queue:hotline")
    view = sent.to("queue:hotline")[0][1]["view"]
    assert view["kpis"]["offered"] == 1 and view["kpis"]["waiting"] == 1
    assert "view" not in pub.snapshot("agent:8001")


def test_agent_state_reaches_its_room_and_every_queue_it_belongs_to():
    pub, sent = publisher()
    pub.publish("agent.state", agent("8001", "ready", T0, queues=("hotline", "care")),
                room="agent:8001")
    assert sent.rooms() == {"agent:8001", "queue:hotline", "queue:care"}
    pub.publish("agent.state", {"extension": "8001", "state": "paused", "reason": "小休",
                                "at": T0 + 5}, room="agent:8001")   # no queues named this time
    assert {r for e, d, r in sent.sent if d.get("state") == "paused"} == \
        {"agent:8001", "queue:hotline", "queue:care"}


def test_ticket_changed_goes_to_each_region_above_the_ticket_and_no_agent():
    pub, sent = publisher()
    pub.publish("ticket.changed", {"number": "T1", "region_path": "/1/2/3/"})
    assert [r for _, _, r in sent.sent] == ["region:/1/", "region:/1/2/", "region:/1/2/3/"]


def test_a_failing_emitter_loses_the_event_but_not_the_state():
    class Down:
        def emit(self, event, data, room):
            raise ConnectionError("redis down")
    pub = LivePublisher(Down(), MemoryMirror(), clock=Clock(T0))
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    snap = pub.snapshot("agent:8001")
    assert list(snap["state"]["calls"]) == ["L1"] and snap["seq"] == 1   # the gap shows later


class StuckWallboard(RecordingEmitter):
    """Queue rooms' emits hang until `release` is set: a slow wallboard, a stuck supervisor."""

    def __init__(self) -> None:
        super().__init__()
        self.release, self.entered = threading.Event(), threading.Event()

    def emit(self, event: str, data: dict, room: str) -> None:
        if not room.startswith("agent:"):
            self.entered.set()
            self.release.wait(5)
        super().emit(event, data, room)


def test_a_stuck_wallboard_never_holds_up_a_pop():
    emitter = StuckWallboard()
    pub = LivePublisher(emitter, MemoryMirror(), clock=Clock(T0 + 60))
    pub.publish("call.offered", offered("L1", T0), room="queue:hotline")
    pub.publish("call.ringing", ringing("L1", "8001", T0 + 1), room="agent:8001")
    assert [(e, r) for e, _, r in emitter._sent] == [("call.ringing", "agent:8001")]  # at once
    emitter.release.set()
    assert pub.flush(5)
    assert [d["seq"] for _, d in emitter.to("queue:hotline")] == [1, 2]


def test_a_burst_reaches_the_wallboard_as_one_batch_with_its_figures_once():
    emitter = StuckWallboard()
    pub = LivePublisher(emitter, MemoryMirror(), clock=Clock(T0 + 60))
    pub.publish("call.offered", offered("L0", T0), room="queue:hotline")
    assert emitter.entered.wait(5)   # the first batch, L0 alone, is stuck in the emitter
    for i in range(1, 30):
        pub.publish("call.offered", offered(f"L{i}", T0 + i), room="queue:hotline")
    emitter.release.set()
    assert pub.flush(5)
    queue_events = [d for _, d in emitter.to("queue:hotline")]
    assert [d["seq"] for d in queue_events] == list(range(1, 31))
    assert ["view" in d for d in queue_events] == [True] + [False] * 28 + [True]
    assert queue_events[-1]["view"]["kpis"]["offered"] == 30
