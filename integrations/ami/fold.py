"""Fold AMI events into one call record per call, keyed by Linkedid (pure, no I/O).

Works from queue events (QueueCallerJoin, AgentCalled, AgentConnect…) and from
channel/bridge events alone (Newchannel, DialBegin, BridgeEnter, Hangup…), since
PBXes differ in what they emit. Each `apply` returns the changes it caused, for
the publisher; finished records come out as ("ended", record).
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from typing import Any, Mapping

from integrations.ami import fold_steps as steps
from integrations.ami import user_events
from integrations.ami.framing import OddFrames, describe
from integrations.ami.records import CallRecord, timestamp_us

log = logging.getLogger(__name__)

Change = tuple[str, CallRecord, dict[str, Any]]

# Events that say nothing about calls or that we deliberately leave to others.
IGNORED = frozenset(
    {
        "FullyBooted",
        "Cdr",
        "CEL",
        "RTCPSent",
        "RTCPReceived",
        "Newexten",
        "DTMFBegin",
        "DTMFEnd",
        "DeviceStateChange",
        "ExtensionStatus",
        "PeerStatus",
        "ContactStatus",
        "Registry",
        "SuccessfulAuth",
        "ChallengeSent",
        "ChallengeResponseFailed",
        "InvalidPassword",
        "NewConnectedLine",
        "NewAccountCode",
        "LocalBridge",
        "LocalOptimizationBegin",
        "LocalOptimizationEnd",
        "BridgeCreate",
        "BridgeDestroy",
        "DialState",
        "OriginateResponse",
        "AGIExecEnd",
        "MusicOnHoldStart",
        "MusicOnHoldStop",
        "FAXStatus",
        "ReceiveFAX",
        "SendFAX",
        "QueueMemberStatus",
        "QueueMemberAdded",
        "QueueMemberRemoved",
        "QueueMemberPause",
        "QueueMemberPenalty",
        "QueueMemberRinginuse",
        "ChannelTalkingStart",
        "ChannelTalkingStop",
        "Shutdown",
        "Reload",
        "NewPeerAccount",
        "Hold",
        "Unhold",
        "MixMonitorStart",
        "MixMonitorStop",
        "ChanSpyStart",
        "ChanSpyStop",
        "Agents",
        "AgentsComplete",
        "RequestBadFormat",
        "SessionTimeout",
    }
)
# A call the fold never saw begin is adopted on these; anything else for it is dropped.
ADOPT_ON = frozenset(
    {
        "Newchannel",
        "Newstate",
        "NewCallerid",
        "VarSet",
        "QueueCallerJoin",
        "AgentCalled",
        "AgentConnect",
        "DialBegin",
        "BridgeEnter",
    }
)
REQUIRED = {
    "Newchannel": ("Channel", "Uniqueid"),
    "Hangup": ("Channel",),
    "AgentCalled": ("DestChannel",),
    "AgentConnect": ("DestChannel",),
    "DialBegin": ("DestChannel",),
    "DialEnd": ("DestChannel",),
    "BridgeEnter": ("Channel", "BridgeUniqueid"),
    "BridgeLeave": ("Channel", "BridgeUniqueid"),
    "QueueCallerJoin": ("Queue",),
    "VarSet": ("Variable",),
}


def skippable_events() -> frozenset[str]:
    """Events neither the fold nor the agent tracker reads: the framer need not parse them."""
    from integrations.ami.agents import EVENTS as AGENT_EVENTS

    return frozenset(IGNORED - AGENT_EVENTS - {"FullyBooted", "Shutdown"})


class CallFold:
    """Ordered, bounded state of the calls in progress; see module docstring."""

    def __init__(
        self,
        odd: OddFrames | None = None,
        max_active: int = 20000,
        remember_ended: int = 50000,
        dedupe_window: int = 512,
    ) -> None:
        self.odd = odd if odd is not None else OddFrames()
        self.calls: dict[str, CallRecord] = {}
        self.chan_call: dict[str, str] = {}
        self.watchers: dict[str, set[str]] = {}
        self.bridges: dict[str, set[str]] = {}
        self.waiting: dict[str, set[str]] = {}
        self.ended: OrderedDict[str, None] = OrderedDict()
        self.max_active = max_active
        self.remember_ended = remember_ended
        self._recent: deque[int] = deque(maxlen=dedupe_window)
        self._recent_set: set[int] = set()
        self._unknown_names: set[str] = set()
        self.seq = 0
        self.now = 0
        self.pending: list[Change] = []

    # -- entry point -----------------------------------------------------------
    def apply(self, event: Mapping[str, str], received_us: int) -> list[Change]:
        """Fold one event; `received_us` is used when it has no Timestamp header."""
        name = event.get("Event")
        if not name or name in IGNORED:
            return []
        handler = steps.HANDLERS.get(name)
        if handler is None:
            self._unknown(name, event)
            return []
        if self._duplicate(event) or not self._has_required(name, event):
            return []
        self.seq += 1
        self.now = timestamp_us(event.get("Timestamp")) or received_us
        rec = self._call_for(name, event)
        if rec is None:
            return user_events.standalone(event, self._lid_hint(event), self.now) \
                if name == "UserEvent" else []
        out: list[Change] = []
        handler(self, rec, event, self.now, out)
        if self.pending:
            out.extend(self.pending)
            self.pending.clear()
        self._maybe_finish(rec, out)
        return out

    # -- indexing --------------------------------------------------------------
    def _call_for(self, name: str, ev: Mapping[str, str]) -> CallRecord | None:
        lid = ev.get("Linkedid") or ev.get("DestLinkedid") or self._lid_of(ev)
        if lid is None:
            if name not in ("BridgeLeave", "Hangup"):
                self.odd.note("orphan_event", f"no known call: {describe(dict(ev))}")
            return None
        if lid in self.ended:
            return None
        rec = self.calls.get(lid)
        if rec is None:
            if name not in ADOPT_ON:
                self.odd.note("orphan_event", f"{name} for unseen call {lid}")
                return None
            rec = self._open(lid, ev)
        channel = ev.get("Channel")
        if channel and channel not in rec.channels and ev.get("Linkedid") == lid:
            rec.channels.add(channel)
            self.chan_call.setdefault(channel, lid)
        return rec

    def _lid_hint(self, ev: Mapping[str, str]) -> str | None:
        return ev.get("Linkedid") or ev.get("DestLinkedid") or self._lid_of(ev)

    def _lid_of(self, ev: Mapping[str, str]) -> str | None:
        for key in ("Channel", "DestChannel", "TransfererChannel", "OrigTransfererChannel"):
            lid = self.chan_call.get(ev.get(key) or "")
            if lid:
                return lid
        return None

    def _open(self, lid: str, ev: Mapping[str, str]) -> CallRecord:
        if len(self.calls) >= self.max_active:
            stale = next(iter(self.calls))
            self.odd.note("evicted", f"too many calls in progress; dropping {stale}")
            self._forget(self.calls[stale])
        rec = CallRecord(linkedid=lid, started_at=self.now)
        is_root = ev.get("Uniqueid") == lid and ev.get("Event") == "Newchannel"
        rec.adopted = not is_root
        if is_root or ev.get("Event", "").startswith(("Queue", "Agent")):
            rec.root_channel = ev.get("Channel")
        self.calls[lid] = rec
        return rec

    def watch(self, channel: str, rec: CallRecord) -> None:
        """Route a channel of another call (a transfer target) to this record too."""
        self.watchers.setdefault(channel, set()).add(rec.linkedid)

    def related(self, channel: str, rec: CallRecord) -> list[CallRecord]:
        """`rec` plus other calls that know this channel: its first owner (Asterisk moves a
        bridged channel's Linkedid to the older call) and calls it was transferred into."""
        lids = {self.chan_call.get(channel, rec.linkedid), *self.watchers.get(channel, ())}
        lids.discard(rec.linkedid)
        return [rec, *(self.calls[lid] for lid in lids if lid in self.calls)]

    def maybe_finish(self, rec: CallRecord, out: list[Change]) -> None:
        self._maybe_finish(rec, out)

    # -- finishing -------------------------------------------------------------
    def _maybe_finish(self, rec: CallRecord, out: list[Change]) -> None:
        if rec.ended_at is None and rec.channels and rec.channels <= rec.hungup:
            self.finish(rec, self.now, out)

    def finish(self, rec: CallRecord, at: int, out: list[Change], resynced: bool = False) -> None:
        rec.finish(at, resynced)
        if rec.queue:
            self.waiting.get(rec.queue, set()).discard(rec.linkedid)
        out.append(("ended", rec, {}))
        self._forget(rec)

    def _forget(self, rec: CallRecord) -> None:
        self.calls.pop(rec.linkedid, None)
        for channel in rec.channels:
            if self.chan_call.get(channel) == rec.linkedid:
                del self.chan_call[channel]
            self.watchers.pop(channel, None)
        for leg_channel in rec.legs:
            self.watchers.pop(leg_channel, None)
        for members in self.waiting.values():
            members.discard(rec.linkedid)
        self.ended[rec.linkedid] = None
        while len(self.ended) > self.remember_ended:
            self.ended.popitem(last=False)

    # -- hygiene ---------------------------------------------------------------
    def _duplicate(self, ev: Mapping[str, str]) -> bool:
        if "Timestamp" not in ev:
            return False
        get = ev.get
        key = hash(
            (
                get("Timestamp"),
                get("Event"),
                get("Uniqueid"),
                get("Linkedid"),
                get("Channel"),
                get("DestUniqueid"),
                get("DestChannel"),
                get("Variable"),
                get("Value"),
                get("Queue"),
                get("MemberName"),
                get("Paused"),
                get("DialStatus"),
                get("UserEvent"),
            )
        )
        if key in self._recent_set:
            self.odd.note("duplicate_event", f"{ev.get('Event')} {ev.get('Timestamp')}")
            return True
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(key)
        self._recent_set.add(key)
        return False

    def _has_required(self, name: str, ev: Mapping[str, str]) -> bool:
        missing = [k for k in REQUIRED.get(name, ()) if not ev.get(k)]
        if missing:
            self.odd.note("missing_field", f"lacks {missing}: {describe(dict(ev))}")
            return False
        return True

    def _unknown(self, name: str, ev: Mapping[str, str]) -> None:
        self.odd.counts["unknown_event"] = self.odd.counts.get("unknown_event", 0) + 1
        if name not in self._unknown_names and len(self._unknown_names) < 1000:
            self._unknown_names.add(name)
            log.info(
                "unknown AMI event %r ignored (first of its kind): %s", name, describe(dict(ev))
            )

    def active(self) -> list[CallRecord]:
        return list(self.calls.values())
