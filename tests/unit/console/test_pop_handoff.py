"""After publishing a screen-pop the bridge's thread steps aside for POP_HANDOFF, outside
the publisher's lock, so the thread the pop woke (the socket's writer when embedded, the
pop lane with Redis) sends it before the rest of the burst is folded; and processes that
push events freeze start-up's heap (decision 0005)."""
from __future__ import annotations

import gc
import types

import pytest

from integrations import push
from integrations.push import POP_HANDOFF, LivePublisher, MemoryMirror, freeze_startup_heap
from live_helpers import T0, RecordingEmitter, agent, ringing


class Steps(list):
    """The recorded steps, and the publisher under test (to ask whether its lock is held)."""

    def __init__(self) -> None:
        super().__init__()
        self.holder: dict = {}


@pytest.fixture
def steps(monkeypatch) -> list:
    """What the threads did, in order: ("emit", event) and ("sleep", seconds, lock held?)."""
    done = Steps()
    holder = done.holder

    def sleep(seconds):
        pub = holder.get("pub")
        held = pub is not None and pub.lock._is_owned()
        done.append(("sleep", seconds, held))
    monkeypatch.setattr(push, "time", types.SimpleNamespace(time=push.time.time, sleep=sleep))
    return done


def publisher(steps: list, **kwargs) -> LivePublisher:
    emitter = RecordingEmitter()
    emit = emitter.emit

    def recording_emit(event, data, room):
        steps.append(("emit", event))
        emit(event, data, room)
    emitter.emit = recording_emit
    pub = LivePublisher(emitter, MemoryMirror(), clock=lambda: T0 + 60, **kwargs)
    steps.holder["pub"] = pub
    return pub


def sleeps(steps: list) -> list:
    return [s for s in steps if s[0] == "sleep"]


def test_an_inline_pop_is_followed_by_the_hand_off_outside_the_lock(steps):
    pub = publisher(steps)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    assert steps[0] == ("emit", "call.ringing")
    assert sleeps(steps) == [("sleep", POP_HANDOFF, False)]
    pub.close()


def test_other_agent_events_do_not_wait(steps):
    pub = publisher(steps)
    pub.publish("agent.state", agent("8001", "ready", T0), room="agent:8001")
    assert not sleeps(steps) and ("emit", "agent.state") in steps
    pub.close()


def test_zero_turns_the_hand_off_off(steps):
    pub = publisher(steps, pop_handoff=0)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    assert ("emit", "call.ringing") in steps and not sleeps(steps)
    pub.close()


def test_with_lanes_the_bridge_steps_aside_after_queuing_the_pop(steps):
    """Redis mode: the pop leaves on its own lane thread, which needs the publisher's lock
    for its batch: the bridge sleeps only after releasing it."""
    pub = publisher(steps, threaded=True)
    pub.publish("call.ringing", ringing("L1", "8001", T0), room="agent:8001")
    assert sleeps(steps) == [("sleep", POP_HANDOFF, False)]
    pub.flush(5)
    assert ("emit", "call.ringing") in steps
    pub.close()


def test_freezing_the_start_up_heap_takes_it_out_of_full_collections():
    alive = [object() for _ in range(100)]
    try:
        frozen = freeze_startup_heap()
        # frozen objects that die leave the permanent generation: the count may only fall
        assert frozen >= len(alive) and 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
