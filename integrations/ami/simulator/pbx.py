"""The simulated PBX's state and the AMI events a real Asterisk 18 sends for each step of a call.

Time is virtual: `now()` runs `speed` times faster than the wall clock, and every
event carries it in `Timestamp`, so a 3 s wait played at speed 50 still folds to 3 s.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

STATE_DESC = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}


@dataclass
class SimChannel:
    name: str
    uniqueid: str
    linkedid: str
    number: str
    caller_name: str
    exten: str
    context: str
    state: int = 4
    bridge: str | None = None


@dataclass
class SimMember:
    queue: str
    extension: str
    paused: bool = False
    reason: str = ""
    status: int = 1
    in_call: bool = False
    ringing: bool = False
    last_call: int = 0

    @property
    def interface(self) -> str:
        return f"PJSIP/{self.extension}"


@dataclass
class SimCall:
    caller: SimChannel
    queue: str | None = None
    queued_at: float | None = None
    legs: dict[str, SimChannel] = field(default_factory=dict)  # extension -> ringing/answered leg
    connected: str | None = None
    bridge: str | None = None
    task: asyncio.Task | None = None
    answer_now: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False
    extra: list[SimChannel] = field(default_factory=list)


class SimPBX:
    """Channels, queues and members, plus `emit` to every logged-in AMI session."""

    def __init__(
        self,
        queues: dict[str, list[str]] | None = None,
        wrapup: dict[str, int] | None = None,
        speed: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.speed = speed
        self._t0, self._m0 = clock(), time.monotonic()
        self.members: dict[tuple[str, str], SimMember] = {}
        self.queues: dict[str, list[SimCall]] = {}
        self.wrapup = dict(wrapup or {})
        for queue, extensions in (queues or {}).items():
            self.queues[queue] = []
            for ext in extensions:
                self.members[(queue, ext)] = SimMember(queue, ext)
        self.channels: dict[str, SimChannel] = {}
        self.calls: dict[str, SimCall] = {}
        self.listeners: list[Callable[[dict[str, str]], None]] = []
        self._chan_seq = itertools.count(1)
        self._uid_seq = itertools.count(0)
        self._rr = itertools.count()
        self.interactive = False

    # -- time and ids -----------------------------------------------------------------
    def now(self) -> float:
        return self._t0 + (time.monotonic() - self._m0) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    def new_uid(self) -> str:
        return f"{int(self.now())}.{next(self._uid_seq)}"

    def new_channel(
        self,
        device: str,
        number: str,
        name: str,
        exten: str,
        context: str,
        linkedid: str | None = None,
        state: int = 4,
    ) -> SimChannel:
        uid = self.new_uid()
        ch = SimChannel(
            f"PJSIP/{device}-{next(self._chan_seq):08x}",
            uid,
            linkedid or uid,
            number,
            name,
            exten,
            context,
            state,
        )
        self.channels[ch.name] = ch
        self.emit("Newchannel", **self.fields(ch))
        return ch

    # -- events -----------------------------------------------------------------------
    def emit(self, event: str, **headers: Any) -> None:
        frame = {"Event": event, "Privilege": "call,all", "Timestamp": f"{self.now():.6f}"}
        frame.update({k: "" if v is None else str(v) for k, v in headers.items()})
        for listener in list(self.listeners):
            listener(frame)

    def fields(self, ch: SimChannel, prefix: str = "") -> dict[str, Any]:
        return {
            f"{prefix}Channel": ch.name,
            f"{prefix}ChannelState": ch.state,
            f"{prefix}ChannelStateDesc": STATE_DESC.get(ch.state, "Unknown"),
            f"{prefix}CallerIDNum": ch.number or "<unknown>",
            f"{prefix}CallerIDName": ch.caller_name or "<unknown>",
            f"{prefix}ConnectedLineNum": "<unknown>",
            f"{prefix}ConnectedLineName": "<unknown>",
            f"{prefix}Language": "zh",
            f"{prefix}AccountCode": "",
            f"{prefix}Context": ch.context,
            f"{prefix}Exten": ch.exten,
            f"{prefix}Priority": 1,
            f"{prefix}Uniqueid": ch.uniqueid,
            f"{prefix}Linkedid": ch.linkedid,
        }

    def set_state(self, ch: SimChannel, state: int) -> None:
        ch.state = state
        self.emit("Newstate", **self.fields(ch))

    def member_fields(self, m: SimMember) -> dict[str, Any]:
        return {
            "Queue": m.queue,
            "MemberName": m.extension,
            "Interface": m.interface,
            "StateInterface": m.interface,
            "Membership": "dynamic",
            "Penalty": 0,
            "CallsTaken": 0,
            "LastCall": m.last_call,
            "LastPause": 0,
            "LoginTime": int(self.now()),
            "InCall": int(m.in_call),
            "Status": m.status,
            "Paused": int(m.paused),
            "PausedReason": m.reason,
            "Ringinuse": 0,
            "Wrapuptime": self.wrapup.get(m.queue, 0),
        }

    def member_event(self, event: str, m: SimMember) -> None:
        self.emit(event, **self.member_fields(m))

    def members_of(self, extension: str) -> list[SimMember]:
        return [m for (_q, ext), m in self.members.items() if ext == extension]

    def set_member(self, extension: str, **changes: Any) -> None:
        """Change one phone's state in every queue it is in, with QueueMemberStatus for each."""
        for m in self.members_of(extension):
            for key, value in changes.items():
                setattr(m, key, value)
            self.emit("QueueMemberStatus", **self.member_fields(m))

    # -- queue choice ---------------------------------------------------------------------
    def free_members(self, queue: str, exclude: set[str] = frozenset()) -> list[SimMember]:
        now = int(self.now())
        free = [
            m
            for (q, _e), m in self.members.items()
            if q == queue
            and not m.paused
            and m.status != 5
            and not m.in_call
            and not m.ringing
            and m.extension not in exclude
            and not any(o.in_call or o.ringing for o in self.members_of(m.extension))
            and (not m.last_call or now >= m.last_call + self.wrapup.get(queue, 0))
        ]
        if not free:
            return []
        start = next(self._rr) % len(free)
        return free[start:] + free[:start]

    def new_bridge(self) -> str:
        bridge = str(uuid.uuid4())
        self.emit(
            "BridgeCreate",
            BridgeUniqueid=bridge,
            BridgeType="basic",
            BridgeTechnology="simple_bridge",
            BridgeCreator="<unknown>",
            BridgeName="<unknown>",
            BridgeNumChannels=0,
        )
        return bridge

    def bridge_enter(self, ch: SimChannel, bridge: str) -> None:
        ch.bridge = bridge
        self.emit("BridgeEnter", BridgeUniqueid=bridge, BridgeType="basic", **self.fields(ch))

    def bridge_leave(self, ch: SimChannel) -> None:
        if ch.bridge:
            bridge, ch.bridge = ch.bridge, None
            self.emit("BridgeLeave", BridgeUniqueid=bridge, BridgeType="basic", **self.fields(ch))

    def hangup(self, ch: SimChannel, cause: int = 16, request: bool = False) -> None:
        if ch.name not in self.channels:
            return
        if request:
            self.emit("HangupRequest", Cause=cause, **self.fields(ch))
        self.bridge_leave(ch)
        del self.channels[ch.name]
        text = {16: "Normal Clearing", 0: "Unknown", 17: "User busy", 19: "No answer"}.get(
            cause, ""
        )
        self.emit("Hangup", Cause=cause, **{"Cause-txt": text}, **self.fields(ch))
