"""The real bridge against the PBX simulator over TCP on 127.0.0.1 (free port)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from callcenter.ports import RecordingEvents
from integrations.ami.bridge import AMIBridge
from integrations.ami.client import parse_ami_url
from integrations.ami.simulator import PBXSimulator

AMI_FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "ami"


class Harness:
    def __init__(self, speed: float = 50.0, auth: str = "md5", ping: float = 0.2,
                 store_calls=None, store_agents=None, queue_size: int = 200, **sim) -> None:
        self.sim = PBXSimulator(speed=speed, wrapup={"hotline": 5}, **sim)
        self.events = RecordingEvents()
        self.stored: list[dict] = []
        self.agent_rows: list[dict] = []
        self.auth, self.ping, self.queue_size = auth, ping, queue_size
        self.store_calls = store_calls or self.stored.extend
        self.store_agents = store_agents or self.agent_rows.extend
        self.bridge: AMIBridge | None = None
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "Harness":
        await self.sim.start()
        config = parse_ami_url(
            self.sim.url,
            auth=self.auth,
            ping_interval=self.ping,
            ping_timeout=self.ping * 1.5,
            queue_size=self.queue_size,
        )
        self.bridge = AMIBridge(
            config,
            self.events,
            store_calls=self.store_calls,
            store_agents=self.store_agents,
            wrapup={"hotline": 5},
            backoff=(0.05, 0.2),
            booted_timeout=1.0,
        )
        self._task = asyncio.create_task(self.bridge.run())
        await self.until(lambda: self.bridge.resynced.is_set())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.bridge.stop()
        await asyncio.wait_for(self._task, 10)
        await self.sim.stop()

    async def until(self, predicate, timeout: float = 10.0) -> None:
        """Wait for a condition the system must reach (a generous bound, not a speed check)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(f"condition not reached in {timeout}s: {predicate}")
            await asyncio.sleep(0.01)

    def published(self, name: str, room: str | None = None) -> list[dict]:
        return [p for n, p, r in self.events.published if n == name and (room is None or r == room)]


def run(coro, timeout: float = 60.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))
