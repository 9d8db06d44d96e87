"""The threaded publisher (ami-bridge with REDIS_URL): emits leave on the Outbox thread in
each room's seq order, none lost, mirror written once per room per batch before the batch is
emitted, wallboard figures on a queue room's last event of a batch, flushed on close."""
from __future__ import annotations

import logging
import threading

from integrations.push import LivePublisher
from live_helpers import T0, agent, offered, ringing


class GatedEmitter:
    """Emitter with emit_many; holds its first batch until `open()` so later events pile up."""

    def __init__(self, log: list, fail_first: bool = False) -> None:
        self.log, self.sent, self.batches = log, [], []
        self.gate, self.fail_first = threading.Event(), fail_first

    def open(self) -> None:
        self.gate.set()

    def emit_many(self, items) -> None:
        self.gate.wait(5)
        self.log.append(("emit", len(items)))
        if self.fail_first:
            self.fail_first = False
            raise ConnectionError("redis down")
        self.batches.append(list(items))
        self.sent += items

    def to(self, room: str) -> list[tuple[str, dict]]:
        return [(e, d) for e, d, r in self.sent if r == room]


class PlainEmitter:
    """An Emitter with emit only (the app's SocketIO): the outbox emits one at a time."""

    def __init__(self) -> None:
        self.sent: list = []

    def emit(self, event: str, data: dict, room: str) -> None:
        self.sent.append((event, data, room))


class RecordingMirror:
    def __init__(self, log: list) -> None:
        self.log, self.writes = log, []

    def save_many(self, records: dict[str, str]) -> None:
        self.log.append(("save", sorted(records)))
        self.writes.append(dict(records))

    def load(self, room: str):
        return None


def threaded(emitter, mirror=None, log=None) -> LivePublisher:
    return LivePublisher(emitter, mirror or RecordingMirror(log if log is not None else []),
                         clock=lambda: T0 + 60, threaded=True)


def pile_up(pub: LivePublisher, emitter: GatedEmitter, n: int) -> None:
    """One event goes out and blocks in the emitter; n more wait in the queue behind it."""
    pub.publish("agent.state", agent("8001", "ready", T0), room="agent:8001")
    for i in range(n):
        pub.publish("call.offered", offered(f"L{i}", T0 + i), room="queue:hotline")
    emitter.open()
    assert pub.flush(5)


def test_every_rooms_events_leave_in_seq_order_and_none_is_lost():
    emitter = PlainEmitter()
    pub = threaded(emitter)
    for i in range(200):
        ext = f"80{i % 5:02d}"
        pub.publish("call.ringing", ringing(f"L{i}", ext, T0 + i), room=f"agent:{ext}")
    assert pub.flush(5)
    rooms = {r for _, _, r in emitter.sent}
    for room in rooms:
        seqs = [d["seq"] for _, d, r in emitter.sent if r == room]
        assert seqs == list(range(1, len(seqs) + 1))
    assert len([1 for e, _, r in emitter.sent if r.startswith("agent:")]) == 200
    pub.close()


def test_agents_room_leaves_before_the_queue_room_for_a_ringing_call():
    emitter = PlainEmitter()
    pub = threaded(emitter)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="queue:hotline")
    pub.flush(5)
    assert [r for _, _, r in emitter.sent] == ["agent:8001", "queue:hotline"]
    pub.close()


def test_mirror_is_written_once_per_room_per_batch_before_that_batch_is_emitted():
    log: list = []
    emitter, mirror = GatedEmitter(log), RecordingMirror(log)
    pub = threaded(emitter, mirror)
    pile_up(pub, emitter, 50)
    assert log[0][0] == "save" and log[1][0] == "emit"
    big = [w for w in mirror.writes if "queue:hotline" in w][-1]
    # the agent's state (seq 1) and 50 calls: the record holds the latest, seq ≥ every one emitted
    assert '"seq": 51' in big["queue:hotline"]
    assert sum(1 for w in mirror.writes if "queue:hotline" in w) < 51
    assert [d["seq"] for _, d in emitter.to("queue:hotline")] == list(range(1, 52))
    pub.close()


def test_queue_figures_ride_on_the_queue_rooms_last_event_of_a_batch():
    emitter = GatedEmitter([])
    pub = threaded(emitter)
    pile_up(pub, emitter, 30)
    last_batch = emitter.batches[-1]
    queue_events = [d for _, d, r in last_batch if r == "queue:hotline"]
    assert len(queue_events) > 1 and "view" in queue_events[-1]
    assert all("view" not in d for d in queue_events[:-1])
    assert queue_events[-1]["view"]["kpis"]["offered"] == 30
    pub.close()


def test_close_sends_everything_still_queued():
    emitter = GatedEmitter([])
    pub = threaded(emitter)
    for i in range(40):
        pub.publish("call.offered", offered(f"L{i}", T0 + i), room="queue:hotline")
    threading.Timer(0.05, emitter.open).start()
    pub.close()
    assert [d["seq"] for _, d in emitter.to("queue:hotline")] == list(range(1, 41))
    pub.publish("call.offered", offered("late", T0 + 99), room="queue:hotline")
    assert emitter.to("queue:hotline")[-1][1]["seq"] == 41  # after close: sent inline


def test_a_lost_batch_is_counted_and_logged_and_later_events_still_go(caplog):
    emitter = GatedEmitter([], fail_first=True)
    emitter.open()
    pub = threaded(emitter)
    with caplog.at_level(logging.WARNING, logger="integrations.push_outbox"):
        pub.publish("call.offered", offered("L1", T0), room="queue:hotline")
        pub.flush(5)
        pub.publish("call.offered", offered("L2", T0 + 1), room="queue:hotline")
        pub.flush(5)
    assert pub.outbox.stats["emit_errors"] == 1
    assert "1 emits lost" in caplog.text
    assert [d["seq"] for _, d in emitter.to("queue:hotline")] == [2]  # the console sees the gap
    pub.close()


def test_pops_have_their_own_lane_a_stuck_wallboard_batch_does_not_hold_them():
    release, popped = threading.Event(), threading.Event()

    class StuckQueueRooms(PlainEmitter):
        def emit(self, event: str, data: dict, room: str) -> None:
            if room.startswith("agent:"):
                popped.set()
            else:
                release.wait(5)
            super().emit(event, data, room)

    emitter = StuckQueueRooms()
    pub = threaded(emitter)
    pub.publish("call.offered", offered("L1", T0), room="queue:hotline")
    pub.publish("call.ringing", ringing("L1", "8001", T0 + 1), room="agent:8001")
    assert popped.wait(5) and not release.is_set()
    release.set()
    assert pub.flush(5)
    assert [d["seq"] for _, d, r in emitter.sent if r == "queue:hotline"] == [1, 2]
    pub.close()
