"""Interfaces the core calls out through; adapters implement them."""
from __future__ import annotations

from typing import Any, Callable, Protocol


class EventPublisher(Protocol):
    """Publishes domain events (dotted nouns, ARCHITECTURE.md §5) to whoever listens."""

    def publish(self, name: str, payload: dict[str, Any], *, room: str | None = None) -> None: ...


class InProcessEvents:
    """Synchronous in-process event bus: the embedded default."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[str, dict, str | None], None]] = []

    def subscribe(self, handler: Callable[[str, dict, str | None], None]) -> None:
        self._subscribers.append(handler)

    def publish(self, name: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        for handler in list(self._subscribers):
            handler(name, payload, room)


class RecordingEvents(InProcessEvents):
    """Keeps every published event: for tests and the replay tool."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[tuple[str, dict, str | None]] = []

    def publish(self, name: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        self.published.append((name, payload, room))
        super().publish(name, payload, room=room)
