"""Fold a recorded trace into call records: the operator's debugging tool and the tests' oracle.

A trace is raw AMI bytes as received (`*.ami.txt`) or a JSON array of event dicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from integrations.ami.agents import AgentTracker
from integrations.ami.fold import CallFold
from integrations.ami.framing import OddFrames, frames_from_bytes


class TraceError(Exception):
    """The file is neither AMI text nor a JSON array of events."""

    code = "bad_trace"


def load_events(path: str | Path, odd: OddFrames | None = None) -> list[dict[str, str]]:
    """Read a trace file into event dicts (responses included, in stream order)."""
    data = Path(path).read_bytes()
    if data.lstrip()[:1] == b"[":
        try:
            items = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TraceError(f"{path}: not a JSON array of events ({exc})") from exc
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise TraceError(f"{path}: JSON must be an array of objects")
        return [{str(k): str(v) for k, v in item.items()} for item in items]
    frames = frames_from_bytes(data, odd)
    if not frames:
        raise TraceError(f"{path}: no AMI frames found")
    return [frame.headers for frame in frames]


@dataclass
class ReplayResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    in_progress: list[dict[str, Any]] = field(default_factory=list)
    agent_timeline: list[dict[str, Any]] = field(default_factory=list)
    odd: dict[str, int] = field(default_factory=dict)


def fold_events(
    events: Iterable[Mapping[str, str]],
    received_us: int = 0,
    wrapup_seconds: Mapping[str, int] | None = None,
) -> ReplayResult:
    """Fold events in order; events without Timestamp get `received_us` as their time."""
    odd = OddFrames()
    fold = CallFold(odd)
    agents = AgentTracker(wrapup_seconds or {})
    result = ReplayResult()
    for event in events:
        for kind, rec, _info in fold.apply(event, received_us):
            if kind == "ended":
                result.records.append(rec.to_json())
        agents.apply(event, received_us)
    agents.expire(fold.now or received_us)
    result.in_progress = [rec.to_json() for rec in fold.active()]
    result.agent_timeline = [change.to_json() for change in agents.timeline]
    result.odd = dict(odd.counts)
    return result


def replay_file(
    path: str | Path, received_us: int = 0, wrapup_seconds: Mapping[str, int] | None = None
) -> ReplayResult:
    odd = OddFrames()
    result = fold_events(load_events(path, odd), received_us, wrapup_seconds)
    for kind, n in odd.counts.items():
        result.odd[kind] = result.odd.get(kind, 0) + n
    return result
