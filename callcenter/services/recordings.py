"""Call recordings: find a call's file, decide who may play it, delete old ones.

The dialplan records queue calls with MixMonitor into the recordings folder as
`YYYY/MM/DD/<Linkedid>.<ext>` (Asia/Shanghai date of the call; see asterisk_conf and
docs/console.md), so the call record's Linkedid and start time name its file.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import Actor, NotFoundError
from callcenter.models import Ticket
from callcenter.models.calls import CallRecord

log = logging.getLogger(__name__)
FORMATS = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
           ".gsm": "audio/x-gsm"}
DEFAULT_RETENTION_DAYS = 180


@dataclass(frozen=True)
class Recording:
    linkedid: str
    path: Path
    mime_type: str


def file_for(root: str | os.PathLike, call: CallRecord) -> Path | None:
    """The recording of `call` under `root`, if MixMonitor wrote one."""
    base = Path(root)
    day = call.started_at.astimezone(SHANGHAI)
    folders = [base / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}", base]
    safe = call.linkedid.replace("/", "").replace("\\", "")
    for folder in folders:
        for ext in FORMATS:
            path = folder / f"{safe}{ext}"
            if path.is_file():
                return path
    return None


def may_play(session: Session, actor: Actor, call: CallRecord, *, extension: str | None,
             queues: list[str]) -> bool:
    """Agents: calls they answered or whose ticket is in scope; supervisors: their queues too."""
    if actor.role == "agent" and extension and call.answered_by == extension:
        return True
    if actor.role in ("supervisor", "admin") and call.queue in queues:
        return True
    linked = session.scalars(select(Ticket.region_path).where(Ticket.call_linkedid == call.linkedid)).all()
    return actor.role in ("agent", "supervisor", "admin") and \
        any(path.startswith(actor.region_path) for path in linked)


def recording_for(session: Session, actor: Actor, linkedid: str, root: str, *,
                  extension: str | None = None, queues: list[str] = ()) -> Recording:
    """The playable recording, or NotFoundError (also outside scope: no existence leak)."""
    call = session.scalars(select(CallRecord).where(CallRecord.linkedid == linkedid)).first()
    if call is None or not may_play(session, actor, call, extension=extension, queues=list(queues)):
        raise NotFoundError("recording not found")
    path = file_for(root, call)
    if path is None:
        raise NotFoundError("no recording for this call")
    return Recording(linkedid, path, FORMATS[path.suffix])


def purge(root: str | os.PathLike, retention_days: int, *, now: float | None = None) -> int:
    """Delete recordings older than the retention (by file time); return how many went."""
    if retention_days < 1:
        raise ValueError("retention must be at least one day")
    cutoff = (now or time.time()) - retention_days * 86400
    removed = 0
    for path in Path(root).rglob("*"):
        if path.suffix in FORMATS and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    _prune_empty(Path(root))
    log.info("recordings retention: %d files older than %d days removed", removed, retention_days)
    return removed


def _prune_empty(root: Path) -> None:
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty


def retention_days(env=os.environ) -> int:
    raw = env.get("RECORDINGS_RETENTION_DAYS", "")
    try:
        return int(raw) if raw else DEFAULT_RETENTION_DAYS
    except ValueError:
        raise ValueError(f"RECORDINGS_RETENTION_DAYS must be a whole number, not {raw!r}") from None
