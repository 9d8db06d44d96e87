"""Replay the bridge's spill file (records the database refused) into the store.

The file is claimed by renaming it to `<spill>.replaying`, so records spilled meanwhile
start a new file. A line that is not a record (corrupt, or cut short by a kill mid-write)
is moved to `<spill>.rejected` with its line number and reported; it is never dropped.
Call records are stored idempotently by linkedid, so a replay that is cut off and run
again keeps each call once. Agent changes are appended: each kind is removed from the
claimed file as soon as its transaction commits, so only a kill between that commit and
the rewrite can store one batch of agent changes twice.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)
Store = Callable[[list[dict[str, Any]]], None]
KINDS = ("calls", "agents")   # calls first: they are the ones that must never be lost


@dataclass
class SpillReplay:
    stored: dict[str, int] = field(default_factory=dict)
    rejected: int = 0


def pending(path: str | None) -> bool:
    return bool(path) and (os.path.exists(path) or os.path.exists(path + ".replaying"))


def replay_spill(path: str, stores: dict[str, Store | None], chunk: int = 200) -> SpillReplay:
    """Store what `path` holds; raises (leaving the claimed file for the next try) if the
    store still refuses. Not thread-safe: the caller serialises it with the spilling."""
    result = SpillReplay()
    claimed = Path(path + ".replaying")
    lines = _claim(Path(path), claimed)
    if lines is None:
        return result
    good, bad = _parse(lines, stores)
    if bad:
        with open(path + ".rejected", "a", encoding="utf-8") as fh:
            for number, line, why in bad:
                fh.write(json.dumps({"line": number, "error": why, "text": line},
                                    ensure_ascii=False) + "\n")
        result.rejected = len(bad)
        log.error("spill file %s: %d line(s) are not records (lines %s); kept in %s.rejected",
                  path, len(bad), ", ".join(str(n) for n, _l, _w in bad[:10]), path)
        _rewrite(claimed, good)
    for kind in KINDS:
        records = [data for k, data in good if k == kind]
        for i in range(0, len(records), chunk):
            stores[kind](records[i:i + chunk])   # type: ignore[misc] - _parse checked it
            result.stored[kind] = result.stored.get(kind, 0) + len(records[i:i + chunk])
        good = [(k, data) for k, data in good if k != kind]
        _rewrite(claimed, good)
    claimed.unlink()
    if result.stored:
        log.warning("spill file %s replayed: %s", path, result.stored)
    return result


def _claim(path: Path, claimed: Path) -> list[str] | None:
    """The lines to replay: a claimed file left by an earlier try, then the current file."""
    if path.exists():
        if claimed.exists():   # an earlier replay was cut off: append, keep both
            with open(claimed, "a+", encoding="utf-8") as out:
                out.seek(0)
                if not out.read().endswith("\n"):
                    out.write("\n")   # an unfinished last line stays a line of its own
                out.write(path.read_text(encoding="utf-8", errors="replace"))
            path.unlink()
        else:
            os.replace(path, claimed)
    if not claimed.exists():
        return None
    return claimed.read_text(encoding="utf-8", errors="replace").splitlines()


def _parse(lines: list[str], stores: dict[str, Store | None]):
    good: list[tuple[str, dict]] = []
    bad: list[tuple[int, str, str]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            bad.append((number, line, f"not JSON: {exc}"))
            continue
        kind = item.get("kind") if isinstance(item, dict) else None
        data = item.get("data") if isinstance(item, dict) else None
        if kind not in KINDS or not isinstance(data, dict):
            bad.append((number, line, "not a {kind, data} record"))
        elif stores.get(kind) is None:
            bad.append((number, line, f"no store for {kind} in this process"))
        elif kind == "calls" and not data.get("linkedid"):
            bad.append((number, line, "call record without linkedid"))
        else:
            good.append((kind, data))
    return good, bad


def _rewrite(claimed: Path, items: list[tuple[str, dict]]) -> None:
    tmp = claimed.with_name(claimed.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for kind, data in items:
            fh.write(json.dumps({"kind": kind, "data": data}, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, claimed)
