"""Fixtures for the console's Socket.IO tests: street queues and supervisors, browsers."""
from __future__ import annotations

import pytest

from callcenter.services.queue_directory import QueueDirectory
from console_live import STREET_QUEUES, Browser


@pytest.fixture
def street_world(world, container):
    """The small world plus street supervisors and a queue per street."""
    from callcenter.models import Region, User
    from factories import _hash
    with container.sessions.begin() as s:
        for username, key in (("sup_a1", "A1"), ("sup_a2", "A2")):
            s.add(User(username=username, display_name=username, password_hash=_hash(), role="supervisor",
                       region=s.get(Region, world.regions[key])))
    container.extras["queues"] = QueueDirectory(STREET_QUEUES)
    return world


@pytest.fixture
def browsers():
    opened: list[Browser] = []

    def make(base: str) -> Browser:
        b = Browser(base)
        opened.append(b)
        return b
    yield make
    for b in opened:
        b.close()


@pytest.fixture(autouse=True)
def quick_websocket_close(monkeypatch):
    """werkzeug's dev server reads a client's close frame as a new HTTP request, so no close
    reply comes back: don't let websocket-client wait its default 3 s for one."""
    import websocket
    original = websocket.WebSocket.close

    def close(self, status=1000, reason=b"", timeout=0.1):
        return original(self, status, reason, timeout)
    monkeypatch.setattr(websocket.WebSocket, "close", close)
