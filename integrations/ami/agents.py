"""Agent state per extension, from QueueMember*/Agent* events and the console's own actions.

Pure: time comes from the events' Timestamp (or the receipt time given), and the
end of wrap-up, which no AMI event marks, is found by `expire(now)` — called by
the bridge's timer with an injectable clock, and by the next event in a replay.
When the console and the PBX disagree, the PBX wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from integrations.ami.channels import extension_of_interface
from integrations.ami.records import US, timestamp_us

STATES = ("offline", "ready", "paused", "ringing", "on_call", "wrap_up")
PAUSE_REASONS = ("小休", "会议", "培训", "用餐", "后处理")
DEVICE_UNAVAILABLE = "5"
DEFAULT_WRAPUP = 15


@dataclass
class AgentChange:
    at: int
    agent: str
    state: str
    reason: str | None
    source: str
    queues: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "at": f"{self.at // US}.{self.at % US:06d}",
            "agent": self.agent,
            "state": self.state,
            "reason": self.reason,
            "source": self.source,
            "queues": list(self.queues),
        }


@dataclass
class Agent:
    extension: str
    state: str = "offline"
    reason: str | None = None
    queues: set[str] = field(default_factory=set)
    wrapup_until: int | None = None
    wrapup_queue: str | None = None


class AgentTracker:
    def __init__(
        self,
        wrapup_seconds: Mapping[str, int] | None = None,
        default_wrapup: int = DEFAULT_WRAPUP,
        keep_timeline: bool = True,
    ) -> None:
        self.wrapup = dict(wrapup_seconds or {})
        self.default_wrapup = default_wrapup
        self.agents: dict[str, Agent] = {}
        self.keep_timeline = keep_timeline
        self.timeline: list[AgentChange] = []

    # -- events ------------------------------------------------------------------
    def apply(self, ev: Mapping[str, str], received_us: int) -> list[AgentChange]:
        name = ev.get("Event")
        step = _STEPS.get(name or "")
        if step is None:
            return []
        t = timestamp_us(ev.get("Timestamp")) or received_us
        out = self.expire(t)
        ext = extension_of_interface(ev.get("Interface"), ev.get("MemberName"))
        if not ext:
            return out
        agent = self.agents.setdefault(ext, Agent(ext))
        step(self, agent, ev, t, out)
        return out

    def console(self, extension: str, state: str, reason: str | None, at: int) -> list[AgentChange]:
        """The console's own action, shown at once; a later PBX event corrects it if need be."""
        if state not in STATES:
            raise ValueError(f"unknown agent state {state!r}")
        agent = self.agents.setdefault(extension, Agent(extension))
        out = self.expire(at)
        self._set(agent, state, reason, at, "console", out)
        return out

    def expire(self, now: int) -> list[AgentChange]:
        """End the wrap-ups whose time is up (at their deadline, not at `now`)."""
        out: list[AgentChange] = []
        due = [
            a for a in self.agents.values() if a.wrapup_until is not None and a.wrapup_until <= now
        ]
        for agent in sorted(due, key=lambda a: a.wrapup_until or 0):
            at, agent.wrapup_until = agent.wrapup_until or now, None
            if agent.state == "wrap_up":
                self._set(agent, "ready", None, at, "wrapup_timer", out)
        return out

    def next_deadline(self) -> int | None:
        deadlines = [a.wrapup_until for a in self.agents.values() if a.wrapup_until is not None]
        return min(deadlines) if deadlines else None

    def resync(self, members: Iterable[Mapping[str, str]], at: int) -> list[AgentChange]:
        """Take the PBX's word (QueueStatus QueueMember entries) for every agent."""
        out = self.expire(at)
        seen: dict[str, set[str]] = {}
        for m in members:
            ext = extension_of_interface(
                m.get("Location") or m.get("Interface"), m.get("Name") or m.get("MemberName")
            )
            if not ext:
                continue
            seen.setdefault(ext, set()).add(m.get("Queue", ""))
            agent = self.agents.setdefault(ext, Agent(ext))
            state, reason = _pbx_state(m, agent)
            self._set(agent, state, reason, at, "resync", out)
        for ext, agent in self.agents.items():
            agent.queues = seen.get(ext, set())
            if not agent.queues:
                self._set(agent, "offline", None, at, "resync", out)
        return out

    def counts(self, queue: str) -> dict[str, int]:
        """How many of the queue's members are in each state (a queue snapshot's `agents`)."""
        out: dict[str, int] = {}
        for a in self.agents.values():
            if queue in a.queues:
                out[a.state] = out.get(a.state, 0) + 1
        return out

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {
            a.extension: {"state": a.state, "reason": a.reason, "queues": sorted(a.queues)}
            for a in self.agents.values()
        }

    # -- helpers -----------------------------------------------------------------
    def _set(
        self,
        agent: Agent,
        state: str,
        reason: str | None,
        at: int,
        source: str,
        out: list[AgentChange],
    ) -> None:
        if state != "wrap_up":
            agent.wrapup_until = None
        if (agent.state, agent.reason) == (state, reason):
            return
        agent.state, agent.reason = state, reason
        change = AgentChange(
            at, agent.extension, state, reason, source, tuple(sorted(agent.queues))
        )
        out.append(change)
        if self.keep_timeline:
            self.timeline.append(change)

    def _wrapup_for(self, queue: str | None) -> int:
        return int(self.wrapup.get(queue or "", self.default_wrapup))


def _pbx_state(m: Mapping[str, str], agent: Agent) -> tuple[str, str | None]:
    if m.get("Status") == DEVICE_UNAVAILABLE:
        return "offline", "unavailable"
    if m.get("Paused") == "1":
        return "paused", m.get("PausedReason") or None
    if m.get("InCall") == "1":
        return "on_call", None
    if m.get("Status") in ("6", "7"):
        return "ringing", None
    if agent.state == "wrap_up" and agent.wrapup_until is not None:
        return "wrap_up", None
    return "ready", None


def _member_added(tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list) -> None:
    agent.queues.add(ev.get("Queue", ""))
    state, reason = _pbx_state(ev, agent)
    if agent.state == "offline" or state in ("offline", "paused"):
        tr._set(agent, state, reason, t, "QueueMemberAdded", out)


def _member_removed(
    tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list
) -> None:
    agent.queues.discard(ev.get("Queue", ""))
    if not agent.queues:
        tr._set(agent, "offline", None, t, "QueueMemberRemoved", out)


def _member_pause(tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list) -> None:
    if ev.get("Paused") == "1":
        tr._set(agent, "paused", ev.get("PausedReason") or None, t, "QueueMemberPause", out)
    elif agent.state == "paused":
        tr._set(agent, "ready", None, t, "QueueMemberPause", out)


def _member_status(
    tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list
) -> None:
    src = "QueueMemberStatus"
    if ev.get("Status") == DEVICE_UNAVAILABLE:
        tr._set(agent, "offline", "unavailable", t, src, out)
    elif agent.state == "offline" and agent.reason == "unavailable":
        tr._set(agent, *_pbx_state(ev, agent), t, src, out)
    elif ev.get("Paused") == "1" and agent.state != "paused":
        tr._set(agent, "paused", ev.get("PausedReason") or None, t, src, out)
    elif ev.get("Paused") == "0" and agent.state == "paused":
        tr._set(agent, "ready", None, t, src, out)
    elif agent.state == "ringing" and ev.get("Status") == "1" and ev.get("InCall") == "0":
        tr._set(
            agent, "ready", None, t, src, out
        )  # ringall: someone else took it, or it was cancelled
    last_call = ev.get("LastCall", "")
    if (
        agent.state == "wrap_up"
        and ev.get("InCall") == "0"
        and last_call.isdecimal()
        and int(last_call)
    ):
        agent.wrapup_until = int(last_call) * US + tr._wrapup_for(agent.wrapup_queue) * US


def _called(tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list) -> None:
    tr._set(agent, "ringing", None, t, "AgentCalled", out)


def _ring_no_answer(
    tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list
) -> None:
    if agent.state == "ringing":
        tr._set(agent, "ready", None, t, "AgentRingNoAnswer", out)


def _connect(tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list) -> None:
    tr._set(agent, "on_call", None, t, "AgentConnect", out)


def _complete(tr: AgentTracker, agent: Agent, ev: Mapping[str, str], t: int, out: list) -> None:
    seconds = tr._wrapup_for(ev.get("Queue"))
    if seconds <= 0:
        tr._set(agent, "ready", None, t, "AgentComplete", out)
        return
    tr._set(agent, "wrap_up", None, t, "AgentComplete", out)
    agent.wrapup_queue = ev.get("Queue")
    agent.wrapup_until = t + seconds * US


_STEPS = {
    "QueueMemberAdded": _member_added,
    "QueueMemberRemoved": _member_removed,
    "QueueMemberPause": _member_pause,
    "QueueMemberPaused": _member_pause,
    "QueueMemberStatus": _member_status,
    "AgentCalled": _called,
    "AgentRingNoAnswer": _ring_no_answer,
    "AgentConnect": _connect,
    "AgentComplete": _complete,
}
EVENTS = frozenset(_STEPS)
