"""After an inline screen-pop the bridge's thread steps aside for POP_HANDOFF so the
socket's writer thread, just woken by the emit, sends the pop before the rest of the burst
is folded; and processes that push events freeze start-up's heap (decision 0005)."""
from __future__ import annotations

import gc
import types

import pytest

from integrations import push
from integrations.push import POP_HANDOFF, LivePublisher, MemoryMirror, freeze_startup_heap
from live_helpers import T0, RecordingEmitter, agent, ringing


@pytest.fixture
def steps(monkeypatch) -> list:
    """What the bridge's thread did, in order: ("emit", event) and ("sleep", seconds)."""
    done: list = []
    monkeypatch.setattr(push, "time", types.SimpleNamespace(
        time=push.time.time, sleep=lambda s: done.append(("sleep", s))))
    return done


def publisher(steps: list, **kwargs) -> LivePublisher:
    emitter = RecordingEmitter()
    emit = emitter.emit

    def recording_emit(event, data, room):
        steps.append(("emit", event))
        emit(event, data, room)
    emitter.emit = recording_emit
    return LivePublisher(emitter, MemoryMirror(), clock=lambda: T0 + 60, **kwargs)


def test_an_inline_pop_is_followed_by_the_hand_off(steps):
    pub = publisher(steps)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    assert steps[:2] == [("emit", "call.ringing"), ("sleep", POP_HANDOFF)]
    pub.close()


def test_other_agent_events_do_not_wait(steps):
    pub = publisher(steps)
    pub.publish("agent.state", agent("8001", "ready", T0), room="agent:8001")
    assert ("sleep", POP_HANDOFF) not in steps and ("emit", "agent.state") in steps
    pub.close()


def test_zero_turns_the_hand_off_off(steps):
    pub = publisher(steps, pop_handoff=0)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    assert ("emit", "call.ringing") in steps and not [s for s in steps if s[0] == "sleep"]
    pub.close()


def test_with_lanes_the_bridge_thread_never_sleeps(steps):
    """Redis mode: the pop leaves on its own lane thread; the bridge only queues it."""
    pub = publisher(steps, threaded=True)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    pub.flush(5)
    assert ("emit", "call.ringing") in steps and not [s for s in steps if s[0] == "sleep"]
    pub.close()


def test_freezing_the_start_up_heap_takes_it_out_of_full_collections():
    alive = [object() for _ in range(100)]
    try:
        frozen = freeze_startup_heap()
        # frozen objects that die leave the permanent generation: the count may only fall
        assert frozen >= len(alive) and 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
