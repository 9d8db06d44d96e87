"""`callcenter ami-bridge` in its own process with REDIS_URL: it follows the PBX simulator
over AMI and its events reach the web workers' consoles through Redis — the ringing
agent's console pops, another agent's does not."""
from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
import time

import pytest

from console_live import LiveServer
from integrations.ami.simulator import PBXSimulator, flows
from integrations.push import RedisMirror

BRIDGE = [sys.executable, "-c", "from callcenter.cli import main; main()", "ami-bridge"]


class SimulatorThread:
    """The PBX simulator on its own event loop, reachable over AMI on a free port."""

    def __init__(self, queues: dict[str, list[str]]) -> None:
        self.sim = PBXSimulator(queues=queues)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> "SimulatorThread":
        self.thread.start()
        self.run(self.sim.start())
        return self

    def __exit__(self, *exc) -> None:
        self.run(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def run(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def ring(self, number: str, queue_name: str, ext: str) -> str:
        async def place() -> str:
            call = flows.start_call(self.sim.pbx, number, "")
            flows.enqueue(self.sim.pbx, call, queue_name)
            flows.ring(self.sim.pbx, call, ext)
            return call.caller.linkedid
        return self.run(place())

    def logged_in(self) -> bool:
        return bool(self.sim.sessions)


@pytest.fixture
def redis_app(container, street_world, redis_server):
    from agent_ui import create_app
    container.settings = container.settings.with_(redis_url=redis_server.url)
    RedisMirror(redis_server.url).redis.flushdb()
    return create_app(container.settings, container=container)


@pytest.fixture
def bridge_process(container, redis_server, tmp_path):
    procs: list[subprocess.Popen] = []

    def start(ami_url: str) -> subprocess.Popen:
        env = {**os.environ, "AMI_URL": ami_url, "REDIS_URL": redis_server.url,
               "DATABASE_URL": container.settings.database_url,
               "CALLCENTER_INSTANCE": str(tmp_path / "bridge")}
        log = open(tmp_path / "bridge.log", "wb")
        proc = subprocess.Popen(BRIDGE, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def ringing_for(browser, linkedid: str, deadline: float) -> dict:
    """The first call.ringing of this call; agent.state events may come before it."""
    while time.monotonic() < deadline:
        try:
            name, data = browser.next(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if name == "call.ringing" and data.get("linkedid") == linkedid:
            return data
    raise AssertionError(f"no call.ringing for {linkedid}")


def wait_until(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s")
        time.sleep(0.05)


@pytest.mark.redis
def test_bridge_process_pops_the_ringing_agents_console_through_redis(
        redis_app, bridge_process, browsers, tmp_path):
    with SimulatorThread({"qa1": ["8001", "8002"]}) as pbx, LiveServer(redis_app) as web:
        a1 = browsers(web.url).login("agent_a1", "8001", "/console/").connect("/agent")
        a2 = browsers(web.url).login("agent_a2", "8002", "/console/").connect("/agent")
        proc = bridge_process(pbx.sim.url)
        wait_until(lambda: pbx.logged_in() or proc.poll() is not None, "bridge logged in to the PBX")
        assert proc.poll() is None, (tmp_path / "bridge.log").read_text()
        time.sleep(0.5)   # the bridge's start-up resync (QueueStatus) comes before calls
        linkedid = pbx.ring("13800138000", "qa1", "8001")
        data = ringing_for(a1, linkedid, time.monotonic() + 20)
        assert (data["room"], data["extension"], data["caller_number"]) == \
            ("agent:8001", "8001", "13800138000")
        [snap] = a1.snapshot()      # the web worker reads the bridge's state from Redis
        assert linkedid in snap["state"]["calls"] and snap["epoch"] == data["epoch"]
        seen = []
        while True:
            try:
                seen.append(a2.next(timeout=0.3))
            except queue.Empty:
                break
        assert not [d for n, d in seen if n.startswith("call.")]   # 8002's console: no pop
