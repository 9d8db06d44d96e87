"""After a (re)connect: make the fold match the PBX's own lists (pure).

Calls that ended while we were away are closed (flagged `resynced`, disposition from
what is known); calls still up are adopted; nothing is counted twice because a
Linkedid, once ended, is never reopened.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from integrations.ami.channels import clean, extension_of
from integrations.ami.fold import CallFold, Change
from integrations.ami.records import US, CallRecord, Leg


def reconcile(
    fold: CallFold,
    channels: Sequence[Mapping[str, str]],
    entries: Sequence[Mapping[str, str]],
    now: int,
) -> list[Change]:
    out: list[Change] = []
    live: dict[str, list[Mapping[str, str]]] = {}
    for ch in channels:
        lid = ch.get("Linkedid") or ch.get("Uniqueid")
        if lid:
            live.setdefault(lid, []).append(ch)
    for rec in fold.active():
        if rec.linkedid not in live:
            fold.finish(rec, now, out, resynced=True)
        else:
            names = {c.get("Channel") for c in live[rec.linkedid]}
            rec.hungup |= rec.channels - names  # legs that went away while we were gone
    waiting = {e.get("Uniqueid") or e.get("Channel"): e for e in entries}
    for lid, chans in live.items():
        if lid not in fold.calls and lid not in fold.ended:
            _adopt(fold, lid, chans, waiting, now, out)
    return out


def _adopt(
    fold: CallFold,
    lid: str,
    chans: Sequence[Mapping[str, str]],
    waiting: Mapping[str, Mapping[str, str]],
    now: int,
    out: list[Change],
) -> CallRecord:
    root = next((c for c in chans if c.get("Uniqueid") == lid), chans[0])
    rec = CallRecord(
        linkedid=lid,
        started_at=now,
        root_channel=root.get("Channel"),
        caller_number=clean(root.get("CallerIDNum")),
        caller_name=clean(root.get("CallerIDName")),
        adopted=True,
        resynced=True,
        root_up=root.get("ChannelState") == "6",
    )
    rec.channels = {c["Channel"] for c in chans if c.get("Channel")}
    fold.calls[lid] = rec
    for c in chans:
        fold.chan_call.setdefault(c.get("Channel", ""), lid)
        entry = waiting.get(c.get("Uniqueid")) or waiting.get(c.get("Channel"))
        if entry is not None:
            rec.queue = entry.get("Queue")
            wait = entry.get("Wait", "0")
            rec.queued_at = now - int(wait) * US if wait.isdecimal() else now
            fold.waiting.setdefault(rec.queue or "", set()).add(lid)
        ext = extension_of(c.get("Channel"))
        if c is not root and ext and c.get("BridgeId"):
            rec.legs[c["Channel"]] = Leg(c["Channel"], ext, now, answered_at=now)
            rec.answered_at = rec.answered_at or now
            rec.answered_by = rec.answered_by or ext
    out.append(("adopted", rec, {}))
    return rec
