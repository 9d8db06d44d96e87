"""Replay a recorded trace through the simulator with fresh ids and today's clock."""

from __future__ import annotations

import itertools
import re
import uuid
from pathlib import Path
from typing import Any

from integrations.ami.records import US, timestamp_us
from integrations.ami.replay import load_events
from integrations.ami.simulator.pbx import SimPBX

_UID = re.compile(r"^(?:[0-9a-f]{12}-)?\d{9,}\.\d+$")
_CHAN_SUFFIX = re.compile(r"-([0-9a-f]{8})(;[12])?$")
_SKIP = {"FullyBooted", "SuccessfulAuth", "ChallengeSent"}


class IdMap:
    """Old ids → fresh ones, consistently across every header of the trace."""

    def __init__(self, pbx: SimPBX) -> None:
        self.pbx = pbx
        self.ids: dict[str, str] = {}
        self.suffixes: dict[str, str] = {}
        self.bridges: dict[str, str] = {}
        self._suffix = itertools.count(0x7000)

    def value(self, key: str, value: str) -> str:
        if _UID.match(value) and ("uniqueid" in key.lower() or "linkedid" in key.lower()):
            return self.ids.setdefault(value, self.pbx.new_uid())
        if key.endswith("BridgeUniqueid") or key == "BridgeId":
            return self.bridges.setdefault(value, str(uuid.uuid4())) if value else value
        if "channel" in key.lower() or key == "DestChannel":
            return _CHAN_SUFFIX.sub(self._channel_suffix, value)
        return value

    def _channel_suffix(self, m: re.Match) -> str:
        fresh = self.suffixes.setdefault(m.group(1), f"{next(self._suffix):08x}")
        return f"-{fresh}{m.group(2) or ''}"


async def replay_trace(pbx: SimPBX, path: str | Path, broadcast) -> int:
    """Send the trace's events in order, paced by their Timestamps at the simulator's speed."""
    ids = IdMap(pbx)
    events = [e for e in load_events(path) if e.get("Event") and e["Event"] not in _SKIP]
    first = next((timestamp_us(e.get("Timestamp")) for e in events if e.get("Timestamp")), None)
    start = pbx.now()
    sent = 0
    for event in events:
        stamp = timestamp_us(event.get("Timestamp"))
        offset = (stamp - first) / US if stamp is not None and first is not None else None
        if offset is not None:
            await pbx.sleep(max(0.0, start + offset - pbx.now()))
        fresh: dict[str, Any] = {k: ids.value(k, v) for k, v in event.items() if k != "content"}
        if offset is not None:
            fresh["Timestamp"] = f"{start + offset:.6f}"
        broadcast(fresh)
        sent += 1
    return sent
