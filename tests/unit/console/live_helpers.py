"""Small builders for the live-state tests: Shanghai wall-clock times and bridge payloads."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(text: str) -> float:
    """'2024-05-20 10:00:00' in Asia/Shanghai → epoch seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


T0 = sh("2024-05-20 10:00:00")


def offered(lid: str, at: float, queue: str = "hotline", **extra) -> dict:
    return {"linkedid": lid, "queue": queue, "caller_number": "13800138000", "at": at, **extra}


def ringing(lid: str, ext: str, at: float, queue: str = "hotline", **extra) -> dict:
    return {**offered(lid, at, queue), "extension": ext, **extra}


def answered(lid: str, ext: str, at: float, queue: str = "hotline") -> dict:
    return {**offered(lid, at, queue), "extension": ext}


def ended(lid: str, at: float, queue: str = "hotline", **extra) -> dict:
    return {"linkedid": lid, "queue": queue, "at": at, **extra}


def agent(ext: str, state: str, at: float, reason: str | None = None, queues=("hotline",)) -> dict:
    return {"extension": ext, "state": state, "reason": reason, "at": at, "queues": list(queues)}


class RecordingEmitter:
    """The publisher's Emitter port, kept in memory: what went to which room, in order.
    Wallboard rooms leave on the publisher's own thread: `settle` (the publisher's flush)
    runs before anything sent is read."""

    def __init__(self) -> None:
        self._sent: list[tuple[str, dict, str]] = []
        self.settle = lambda: None

    def emit(self, event: str, data: dict, room: str) -> None:
        self._sent.append((event, data, room))

    @property
    def sent(self) -> list[tuple[str, dict, str]]:
        self.settle()
        return self._sent

    def to(self, room: str) -> list[tuple[str, dict]]:
        return [(e, d) for e, d, r in self.sent if r == room]

    def rooms(self) -> set[str]:
        return {r for _, _, r in self.sent}
