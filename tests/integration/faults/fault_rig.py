"""The pieces fault tests kill and restart: the PBX simulator on its own loop thread with
calls whose linked ids are counted as placed, and `callcenter ami-bridge` as a process."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from integrations.ami.simulator import PBXSimulator
from integrations.ami.simulator.scenarios import queued_call

CLI = Path(sys.executable).parent / "callcenter"
AGENTS = [str(8001 + i) for i in range(20)]


class SimThread:
    """PBX simulator on a private loop; `placed` holds the linkedid of every call it began."""

    def __init__(self, speed: float = 10.0, agents: list[str] | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.sim = PBXSimulator(queues={"hotline": agents or AGENTS}, wrapup={"hotline": 1},
                                speed=speed)
        self.placed: set[str] = set()
        self.sim.pbx.listeners.append(self._count)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _count(self, frame) -> None:
        if frame.get("Event") == "Newchannel" and frame.get("Uniqueid") == frame.get("Linkedid"):
            self.placed.add(frame["Linkedid"])

    def __enter__(self) -> "SimThread":
        self.thread.start()
        self.run(self.sim.start())
        return self

    def __exit__(self, *exc) -> None:
        self.run(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def run(self, coro, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def traffic(self, rate: float, seconds: float, talk: float):
        """Calls at `rate` per real second for `seconds`; each talks `talk` virtual seconds."""
        async def go() -> None:
            tasks = []
            for k in range(int(rate * seconds)):
                tasks.append(self.sim.spawn(queued_call(
                    self.sim.pbx, number=f"139{k:08d}", name="", wait=0.5, talk=talk,
                    max_wait=600)))
                await asyncio.sleep(1 / rate)
            await asyncio.gather(*tasks, return_exceptions=True)
        return asyncio.run_coroutine_threadsafe(go(), self.loop)

    def active(self) -> int:
        return len(self.sim.pbx.calls)


class BridgeCLI:
    """`callcenter ami-bridge` in its own process group; stderr kept in a file."""

    def __init__(self, env: dict) -> None:
        self.env, self.proc = env, None
        self.log = Path(tempfile.mkstemp(prefix="cc-bridge-", suffix=".log")[1])

    def start(self) -> "BridgeCLI":
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([str(CLI), "ami-bridge", "--wrapup", "hotline=1"],
                                         env=self.env, start_new_session=True,
                                         stdout=subprocess.DEVNULL, stderr=err)
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        self.kill(signal.SIGTERM)
        self.log.unlink(missing_ok=True)


def bridge_env(database_url: str, redis_url: str, ami_url: str, instance: str, **more) -> dict:
    return dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, AMI_URL=ami_url,
                SECRET_KEY="test-secret", CALLCENTER_INSTANCE=instance, AMI_NODE="fault-node",
                **more)


def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
