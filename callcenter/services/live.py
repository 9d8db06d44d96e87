"""The live picture of one Socket.IO room, folded from the bridge's events (pure, no I/O).

A room is `agent:<ext>` (that agent's state and calls) or `queue:<name>` (waiting and
talking calls, member agents, today's counts). The state is a plain JSON dict so it
can be mirrored to Redis whole; `apply` says whether an event changed it, which is how
the publisher skips duplicates when the bridge and the fan-out name the same room.
A call once ended or abandoned is remembered (bounded) and never comes back. Today's
counts are the calls that reached the queue today (Asia/Shanghai), as on the statistics
pages: a call queued before midnight and answered after it stays out of the new day's.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSED_MEMORY = 200
CALL_EVENTS = ("call.offered", "call.ringing", "call.answered", "call.ended", "call.abandoned")
PHASES = {"call.offered": "queued", "call.ringing": "ringing", "call.answered": "talking"}
COUNTERS = ("offered", "answered", "abandoned", "answered_in_sl", "wait_answered", "talk_sum",
            "talk_n")


def empty_state(room: str, day: str) -> dict[str, Any]:
    return {"room": room, "day": day, "calls": {}, "agents": {}, "closed": [],
            "counts": dict.fromkeys(COUNTERS, 0), "queue": {}}


def copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A copy later events do not change: `apply` replaces a call's or agent's values,
    never mutates them in place, so copying the dicts one level down is enough."""
    return {**state, "calls": {k: dict(v) for k, v in state["calls"].items()},
            "agents": {k: dict(v) for k, v in state["agents"].items()},
            "closed": list(state["closed"]), "counts": dict(state["counts"]),
            "queue": dict(state["queue"])}


def local_day(at: float) -> str:
    return datetime.fromtimestamp(at, SHANGHAI).date().isoformat()


def event_time(payload: dict[str, Any], now: float) -> float:
    """The event's own time in epoch seconds (number, 'sec.usec' or ISO 8601 text), else now."""
    for key in ("at", "timestamp"):
        value = payload.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) / (1e6 if value > 1e12 else 1)
        if isinstance(value, str) and value:
            try:
                return float(value)
            except ValueError:
                pass
            try:
                return datetime.fromisoformat(value).timestamp()
            except ValueError:
                continue
    return now


def extension_of(payload: dict[str, Any]) -> str | None:
    value = payload.get("extension") or payload.get("agent")
    return str(value) if value else None


def apply(state: dict[str, Any], name: str, payload: dict[str, Any], now: float,
          sl_seconds: int = 15) -> bool:
    """Fold one event into a room's state; return True when something visible changed."""
    at = event_time(payload, now)
    _roll_day(state, at)
    if name == "agent.state":
        return _agent_state(state, payload, at)
    if name == "queue.snapshot":
        view = {k: v for k, v in payload.items() if k not in ("seq", "epoch", "room")}
        changed = state["queue"] != view
        state["queue"] = view
        return changed
    if name in CALL_EVENTS:
        return _call(state, name, payload, at, sl_seconds)
    return False


def _roll_day(state: dict[str, Any], at: float) -> None:
    day = local_day(at)
    if day > state["day"]:
        state["day"] = day
        state["counts"] = dict.fromkeys(COUNTERS, 0)
        for agent in state["agents"].values():
            agent["calls_today"] = 0


def _agent_state(state: dict[str, Any], payload: dict[str, Any], at: float) -> bool:
    ext = extension_of(payload)
    if not ext:
        return False
    agent = state["agents"].setdefault(ext, {"extension": ext, "state": None, "reason": None,
                                             "since": at, "calls_today": 0})
    new = (payload.get("state"), payload.get("reason"))
    if (agent["state"], agent["reason"]) == new:
        return False
    agent["state"], agent["reason"], agent["since"] = new[0], new[1], at
    if state["room"] == f"agent:{ext}" and new[0] not in ("ringing", "on_call"):
        # The ring stopped (no answer, or another agent took it): the pop goes away.
        for lid in [k for k, c in state["calls"].items() if c.get("phase") != "talking"]:
            del state["calls"][lid]
    return True


def _call(state: dict[str, Any], name: str, payload: dict[str, Any], at: float,
          sl_seconds: int) -> bool:
    lid = payload.get("linkedid")
    if not lid or lid in state["closed"]:
        return False
    calls = state["calls"]
    if name in ("call.ended", "call.abandoned"):
        return _close(state, name, lid, payload, at)
    call = calls.get(lid)
    ext = extension_of(payload)
    if name == "call.answered" and ext and state["room"].startswith("agent:") \
            and state["room"] != f"agent:{ext}":
        return calls.pop(lid, None) is not None  # answered by someone else
    phase = PHASES[name]
    if call is None:
        call = calls[lid] = {"linkedid": lid, "since": at, "phase": None}
        if state["room"].startswith("queue:"):
            state["counts"]["offered"] += 1
    before = dict(call)
    _merge(call, payload)
    if call["phase"] != phase and not (call["phase"] == "talking" and phase != "talking"):
        call["phase"], call["phase_since"] = phase, at
        if phase == "talking":
            _count_answer(state, call, at, sl_seconds)
    return call != before


def _merge(call: dict[str, Any], payload: dict[str, Any]) -> None:
    for key in ("caller_number", "caller_name", "queue", "ivr_vars", "position", "priority",
                "channel", "queued_at", "intent"):
        if payload.get(key) not in (None, "", {}):
            call[key] = payload[key]
    ext = extension_of(payload)
    if ext:
        call["extension"] = ext


def _started_today(state: dict[str, Any], call: dict[str, Any]) -> bool:
    return local_day(float(call.get("queued_at") or call["since"])) == state["day"]


def _count_answer(state: dict[str, Any], call: dict[str, Any], at: float, sl_seconds: int) -> None:
    if not state["room"].startswith("queue:") or not _started_today(state, call):
        return
    counts = state["counts"]
    wait = max(0.0, at - float(call.get("queued_at") or call["since"]))
    counts["answered"] += 1
    counts["wait_answered"] += round(wait, 3)
    counts["answered_in_sl"] += int(wait <= sl_seconds)
    agent = state["agents"].get(call.get("extension") or "")
    if agent is not None:
        agent["calls_today"] += 1


def _close(state: dict[str, Any], name: str, lid: str, payload: dict[str, Any], at: float) -> bool:
    call = state["calls"].pop(lid, None)
    state["closed"] = (state["closed"] + [lid])[-CLOSED_MEMORY:]
    if call is None:
        return False
    if state["room"].startswith("queue:") and _started_today(state, call):
        counts = state["counts"]
        if call.get("phase") == "talking":
            talk = payload.get("talk_seconds")
            if not isinstance(talk, (int, float)):
                talk = max(0.0, at - float(call.get("phase_since") or at))
            counts["talk_sum"] += talk
            counts["talk_n"] += 1
        elif name == "call.abandoned" or payload.get("disposition") == "abandoned":
            counts["abandoned"] += 1
    return True


def holds_call(state: dict[str, Any], lid: str) -> bool:
    return lid in state["calls"]
