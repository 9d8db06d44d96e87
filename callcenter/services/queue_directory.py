"""The hotline's queues and the region each belongs to: who may watch and who takes calls.

Queues live in the PBX (queues.conf); this maps each name to a region so a supervisor
sees only the queues of its subtree and an agent logs in to the queues of its area.
Read from YAML (`CALLCENTER_QUEUES` names a file; the default ships with the package).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import Region

DEFAULT_FILE = Path(__file__).with_name("queues.yaml")
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


class QueueConfigError(ValueError):
    code = "queue_config"


@dataclass(frozen=True)
class QueueDef:
    name: str
    label: str
    region_code: str
    service_level_seconds: int = 15
    wait_alert_seconds: int = 60
    wrapup_seconds: int = 15
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScopedQueue:
    queue: QueueDef
    region_path: str


def load_queues(path: str | os.PathLike | None = None) -> list[QueueDef]:
    """Parse and check the queue file; raise QueueConfigError naming the bad entry."""
    path = Path(path or os.environ.get("CALLCENTER_QUEUES") or DEFAULT_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QueueConfigError(f"cannot read queue file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("queues"), list):
        raise QueueConfigError(f"{path}: expected a mapping with a 'queues' list")
    out, seen = [], set()
    for i, entry in enumerate(data["queues"]):
        q = _entry(entry, f"{path}: queues[{i}]")
        if q.name in seen:
            raise QueueConfigError(f"{path}: queue {q.name!r} is listed twice")
        seen.add(q.name)
        out.append(q)
    return out


def _entry(entry: object, where: str) -> QueueDef:
    if not isinstance(entry, dict):
        raise QueueConfigError(f"{where}: expected a mapping")
    name, region = _text(entry.get("name")), _text(entry.get("region"))
    if not name or set(name) - NAME_CHARS:
        raise QueueConfigError(f"{where}: name must be lower-case letters, digits, - or _")
    if not region:
        raise QueueConfigError(f"{where}: region (a region code) is required")
    ints = {}
    for key in ("service_level_seconds", "wait_alert_seconds", "wrapup_seconds"):
        value = entry.get(key, QueueDef.__dataclass_fields__[key].default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise QueueConfigError(f"{where}: {key} must be a whole number of seconds")
        ints[key] = value
    members = entry.get("members") or []
    if not isinstance(members, list) or not all(_text(m) for m in members):
        raise QueueConfigError(f"{where}: members must be a list of extensions, e.g. ['8001']")
    return QueueDef(name, str(entry.get("label") or name), region,
                    members=tuple(_text(m) for m in members), **ints)


def _text(value: object) -> str:
    """A code written with or without quotes ('340202' or 340202); nothing else (null → '')."""
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


class QueueDirectory:
    """Queues with their region paths resolved against the database's region tree."""

    def __init__(self, queues: list[QueueDef]) -> None:
        self.queues = {q.name: q for q in queues}

    def get(self, name: str) -> QueueDef | None:
        return self.queues.get(name)

    def scoped(self, session: Session) -> list[ScopedQueue]:
        codes = {q.region_code for q in self.queues.values()}
        paths = dict(session.execute(select(Region.code, Region.path).where(Region.code.in_(codes))).all())
        return [ScopedQueue(q, paths[q.region_code]) for q in self.queues.values()
                if q.region_code in paths]

    def visible_to(self, session: Session, region_path: str) -> list[QueueDef]:
        """Queues a supervisor of `region_path` may watch: those in its subtree."""
        return [s.queue for s in self.scoped(session) if s.region_path.startswith(region_path)]

    def for_agent(self, session: Session, region_path: str, extension: str | None) -> list[QueueDef]:
        """Queues an agent takes calls from: listed as a member, or serving its area."""
        out = []
        for s in self.scoped(session):
            q = s.queue
            if q.members:
                if extension in q.members:
                    out.append(q)
            elif region_path.startswith(s.region_path) or s.region_path.startswith(region_path):
                out.append(q)
        return out
