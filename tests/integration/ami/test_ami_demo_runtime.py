"""`serve --demo` embedding: simulator + bridge on their own thread, driven from plain threads."""

from __future__ import annotations

import time

from callcenter.ports import RecordingEvents
from integrations.ami.runtime import start_demo_telephony


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_console_answer_in_demo_mode_makes_the_simulated_agent_pick_up():
    events = RecordingEvents()
    stored: list[dict] = []
    tel = start_demo_telephony(events, store_calls=stored.extend, rate=2.0, speed=50)
    try:
        wait_for(lambda: any(n == "call.ringing" for n, _p, _r in events.published))
        ringing = next(p for n, p, _r in events.published if n == "call.ringing")
        assert tel.answer(ringing["extension"]) is True
        wait_for(
            lambda: any(
                n == "call.answered" and p["linkedid"] == ringing["linkedid"]
                for n, p, _r in events.published
            )
        )
        result = tel.telephony.run(tel.telephony.pause("8003", "用餐"))
        assert result.to_json()["ok"] is True
    finally:
        tel.stop()
    assert not tel._thread.is_alive()
