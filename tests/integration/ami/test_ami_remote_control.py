"""Console call control when the web has no bridge of its own: commands go over Redis to the
bridge process (here a thread with its own loop, as `callcenter ami-bridge` runs it)."""
from __future__ import annotations

import asyncio
import threading

import pytest
from redis import Redis

from callcenter.ports import RecordingEvents
from integrations.ami.bridge import AMIBridge
from integrations.ami.bridge_process import run_bridge
from integrations.ami.client import parse_ami_url
from integrations.ami.remote_control import COMMANDS, RemoteCallControl
from integrations.ami.simulator import PBXSimulator
from integrations.heartbeat import Heartbeats
from servers import free_port

PASSWORD = "Passw0rd!"
pytestmark = pytest.mark.redis


class BridgeProcess:
    """The simulator and `run_bridge` (bridge + heartbeat + command consumer) on one loop."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url, self.loop = redis_url, asyncio.new_event_loop()
        self.sim = PBXSimulator(queues={"qa1": ["8001"]}, speed=50.0)
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(),),
                                       daemon=True)

    async def _main(self) -> None:
        await self.sim.start()
        self.bridge = AMIBridge(parse_ami_url(self.sim.url), RecordingEvents(),
                                backoff=(0.05, 0.2), booted_timeout=0.5)
        self.loop.call_later(0, self.ready.set)
        await run_bridge(self.bridge, self.redis_url, "test-node", beat_every=0.2)
        await self.sim.stop()

    def __enter__(self) -> "BridgeProcess":
        self.thread.start()
        assert self.ready.wait(10)
        beats = Heartbeats(self.redis_url)
        for _ in range(500):
            if beats.read("ami").get("test-node", {}).get("ok"):
                return self
            threading.Event().wait(0.02)
        raise AssertionError("the bridge never beat as connected")

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.bridge.stop(), self.loop).result(10)
        self.thread.join(10)
        self.loop.close()

    def member(self, ext: str):
        [m] = self.sim.pbx.members_of(ext)
        return m


@pytest.fixture
def web(container, world, redis_server):
    from agent_ui import create_app
    Redis.from_url(redis_server.url).flushdb()
    container.settings = container.settings.with_(redis_url=redis_server.url)
    app = create_app(container.settings, container=container)
    app.config.update(TESTING=True)
    return app


def agent(app, username: str = "agent_a1", extension: str = "8001"):
    import re
    client = app.test_client()
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "extension": extension, "csrf_token": token})
    assert r.status_code in (200, 302)
    page = client.get("/console/").data.decode()
    client.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client


def set_state(client, **body):
    return client.post("/console/api/state", json=body, headers={"X-CSRFToken": client.csrf})


def test_console_pause_reaches_the_pbx_through_the_bridge_process(web, redis_server):
    with BridgeProcess(redis_server.url) as bridge:
        client = agent(web)
        r = set_state(client, state="paused", reason="小休")
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["results"] == [
            {"ok": True, "action": "pause", "message": "Interface paused successfully"}]
        assert (bridge.member("8001").paused, bridge.member("8001").reason) == (True, "小休")
        assert set_state(client, state="ready").status_code == 200
        assert bridge.member("8001").paused is False


def test_pbx_refusal_comes_back_to_the_console_as_a_plain_error(web, redis_server):
    with BridgeProcess(redis_server.url):
        r = set_state(agent(web, "agent_a2", "8002"), state="paused", reason="小休")
    assert r.status_code == 502
    assert r.get_json()["error"]["code"] == "pbx_refused"
    assert "Interface not found" in r.get_json()["error"]["message"]


def test_bad_input_is_refused_by_the_bridge_and_nothing_is_sent(web, redis_server):
    with BridgeProcess(redis_server.url) as bridge:
        r = set_state(agent(web), state="paused", reason="打游戏")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"
        assert bridge.member("8001").paused is False


def test_without_a_beating_bridge_the_console_says_so_and_queues_nothing(web, redis_server):
    r = set_state(agent(web), state="paused", reason="小休")
    assert r.status_code == 503
    assert "ami-bridge" in r.get_json()["error"]["message"]
    assert Redis.from_url(redis_server.url).llen(COMMANDS) == 0


def test_a_command_nobody_answers_times_out_and_is_never_run_late(web, redis_server, container):
    Heartbeats(redis_server.url).beat("ami", "silent-node", True, ttl=30)  # beats, serves nothing
    container.extras["call_control"] = RemoteCallControl.from_url(redis_server.url, timeout=0.5)
    r = set_state(agent(web), state="paused", reason="小休")
    assert r.status_code == 504 and r.get_json()["error"]["code"] == "bridge_timeout"
    assert Redis.from_url(redis_server.url).llen(COMMANDS) == 1
    with BridgeProcess(redis_server.url) as bridge:  # comes up later: drops the stale command
        redis = Redis.from_url(redis_server.url)
        for _ in range(200):
            if redis.llen(COMMANDS) == 0:
                break
            threading.Event().wait(0.02)
        assert redis.llen(COMMANDS) == 0 and bridge.member("8001").paused is False


def test_redis_down_is_reported_not_raised(web, container):
    container.extras["call_control"] = RemoteCallControl.from_url(
        f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    r = set_state(agent(web), state="paused", reason="小休")
    assert r.status_code == 503 and "Redis" in r.get_json()["error"]["message"]


def test_the_command_consumer_stops_between_blocking_pops_without_a_cancel(redis_server):
    from integrations.ami.remote_control import serve_commands

    async def main():
        stopping = asyncio.Event()
        task = asyncio.create_task(serve_commands(None, redis_server.url, poll=0.2,
                                                  node="n1", stopping=stopping))
        await asyncio.sleep(0.3)   # inside a BRPOP
        assert not task.done()
        stopping.set()
        await asyncio.wait_for(task, 2)  # ends at the pop's timeout, no cancel needed

    asyncio.run(main())


def test_a_helper_that_swallows_its_cancel_does_not_hold_the_bridge_s_exit(monkeypatch):
    """redis-py can swallow a cancel inside a blocking pop (redis/redis-py#2028)."""
    from integrations.ami import bridge_process
    monkeypatch.setattr(bridge_process, "COMMAND_POLL", 0.1)

    async def deaf():
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                pass   # as redis-py does, now and then

    async def main():
        stopping = asyncio.Event()
        helpers = [asyncio.create_task(asyncio.sleep(3600)), asyncio.create_task(deaf())]
        await asyncio.sleep(0)
        await asyncio.wait_for(bridge_process._end(helpers, stopping), 30)  # a hang fails
        assert stopping.is_set() and helpers[0].cancelled()
        return helpers[1]

    loop = asyncio.new_event_loop()
    try:
        stuck = loop.run_until_complete(main())
        assert not stuck.done()  # given up on, not waited for
    finally:
        stuck._log_destroy_pending = False  # left behind on purpose
        loop.close()
