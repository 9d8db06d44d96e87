"""Run the bridge (and, for demos, the simulator) on a private event-loop thread.

`callcenter serve` embeds telephony this way: Flask handlers stay synchronous and
call `TelephonyThread.telephony.run(...)`; `start_demo_telephony` adds the simulator
so a newcomer sees calls arrive and can answer them from the console.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Mapping

from callcenter.ports import EventPublisher
from integrations.ami.actions import Telephony
from integrations.ami.bridge import AMIBridge, Store
from integrations.ami.client import AMIConfig, parse_ami_url
from integrations.ami.simulator import PBXSimulator

log = logging.getLogger(__name__)


class TelephonyThread:
    """Owns one event loop on a daemon thread with a bridge (and optionally a simulator) on it."""

    def __init__(
        self,
        config: AMIConfig | None,
        events: EventPublisher,
        *,
        store_calls: Store | None = None,
        store_agents: Store | None = None,
        wrapup: Mapping[str, int] | None = None,
        simulator: PBXSimulator | None = None,
        demo_rate: float | None = None,
        spill_path: str | None = None,
    ) -> None:
        self.config, self.events, self.simulator, self.demo_rate = (
            config,
            events,
            simulator,
            demo_rate,
        )
        self.store_calls, self.store_agents, self.wrapup = store_calls, store_agents, wrapup
        self.spill_path = spill_path
        self.loop = asyncio.new_event_loop()
        self.bridge: AMIBridge | None = None
        self.telephony: Telephony | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="telephony", daemon=True)
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> "TelephonyThread":
        self._thread.start()
        if not self._ready.wait(timeout) or self._error:
            raise RuntimeError(f"telephony thread did not start: {self._error}")
        return self

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._run())
        finally:
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.close()

    async def _run(self) -> None:
        try:
            config = self.config
            if self.simulator is not None:
                await self.simulator.start()
                config = parse_ami_url(self.simulator.url)
                if self.demo_rate:
                    self.simulator.run_mix(self.demo_rate)
            self.bridge = AMIBridge(
                config,
                self.events,
                store_calls=self.store_calls,
                store_agents=self.store_agents,
                wrapup=self.wrapup,
                spill_path=self.spill_path,
            )
            self.telephony = Telephony(self.bridge)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            await self.bridge.run()
        finally:
            if self.simulator is not None:
                await self.simulator.stop()

    def call(self, fn, *args: Any) -> Any:
        """Run a plain function on the loop thread (e.g. simulator.answer) and return its result."""
        future = asyncio.run_coroutine_threadsafe(_call(fn, *args), self.loop)
        return future.result(5)

    def answer(self, extension: str) -> bool:
        """Demo mode: the simulated phone of `extension` picks up its ringing call (console 接听)."""
        if self.simulator is None:
            return False
        return bool(self.call(self.simulator.answer, extension))

    def stop(self, timeout: float = 10.0) -> None:
        if self.bridge is not None and self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self.bridge.stop(), self.loop).result(timeout)
        self._thread.join(timeout)


async def _call(fn, *args):
    return fn(*args)


def start_demo_telephony(
    events: EventPublisher,
    store_calls: Store | None = None,
    store_agents: Store | None = None,
    rate: float = 1 / 20,
    speed: float = 1.0,
) -> TelephonyThread:
    """Simulator (interactive: calls ring until answered from the console) + bridge, in-process."""
    sim = PBXSimulator(speed=speed, wrapup={"hotline": 15, "complaint": 15, "care": 15})
    sim.pbx.interactive = True
    return TelephonyThread(
        None,
        events,
        store_calls=store_calls,
        store_agents=store_agents,
        wrapup=sim.pbx.wrapup,
        simulator=sim,
        demo_rate=rate,
    ).start()
