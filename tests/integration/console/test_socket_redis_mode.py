"""REDIS_URL mode: the bridge's process emits through Redis; web workers deliver and read
snapshots from the Redis mirror. A dropped emit (Redis down) shows as a seq gap."""
from __future__ import annotations

import queue
import time

import pytest

from console_live import LiveServer
from integrations.push import LivePublisher, RedisMirror, write_only_emitter
from servers import RedisServer


def bridge_publisher(url: str) -> LivePublisher:
    """What `callcenter ami-bridge` builds in its own process with REDIS_URL set."""
    return LivePublisher(write_only_emitter(url), RedisMirror(url))


def ringing(ext: str, lid: str) -> dict:
    return {"linkedid": lid, "extension": ext, "caller_number": "13800138000", "queue": "qa1"}


@pytest.fixture
def redis_app(container, street_world, redis_server):
    from agent_ui import create_app
    container.settings = container.settings.with_(redis_url=redis_server.url)
    RedisMirror(redis_server.url).redis.flushdb()
    return create_app(container.settings, container=container)


@pytest.mark.redis
def test_bridge_process_events_reach_only_their_agent_through_redis(redis_app, redis_server, browsers):
    bridge = bridge_publisher(redis_server.url)
    with LiveServer(redis_app) as srv:
        a = browsers(srv.url).login("agent_a1", "8001", "/console/").connect("/agent")
        b = browsers(srv.url).login("agent_a2", "8002", "/console/").connect("/agent")
        bridge.publish("call.ringing", ringing("8001", "R-1"), room="agent:8001")
        bridge.publish("call.ringing", ringing("8002", "R-2"), room="agent:8002")
        assert a.next()[1]["linkedid"] == "R-1"
        assert b.next()[1]["linkedid"] == "R-2"
        with pytest.raises(queue.Empty):
            a.next(timeout=0.3)
        [snap] = a.snapshot()   # read by the web worker from Redis, not from the bridge
        assert list(snap["state"]["calls"]) == ["R-1"] and snap["seq"] == 1


@pytest.mark.redis
def test_an_emit_dropped_while_redis_is_down_shows_as_a_gap(container, street_world, browsers):
    from agent_ui import create_app
    redis = RedisServer().start()
    try:
        container.settings = container.settings.with_(redis_url=redis.url)
        app = create_app(container.settings, container=container)
        bridge = bridge_publisher(redis.url)
        with LiveServer(app) as srv:
            a = browsers(srv.url).login("agent_a1", "8001", "/console/").connect("/agent")
            bridge.publish("call.ringing", ringing("8001", "G-1"), room="agent:8001")
            assert a.next()[1]["seq"] == 1
            redis.stop()
            bridge.publish("call.ringing", ringing("8001", "G-2"), room="agent:8001")  # lost
            redis.start()
            got = _first_delivered(bridge, a, deadline=time.monotonic() + 30)
            assert got["seq"] > 2          # seq 2 never arrived: the console must resync
            [snap] = a.snapshot()
            assert {"G-1", "G-2"} <= set(snap["state"]["calls"]) and snap["seq"] >= got["seq"]
    finally:
        redis.cleanup()


def _first_delivered(bridge, browser, deadline: float) -> dict:
    """Publish until the web worker's Redis listener is back and one event arrives."""
    n = 3
    while time.monotonic() < deadline:
        bridge.publish("call.ringing", ringing("8001", f"G-{n}"), room="agent:8001")
        try:
            return browser.next(timeout=0.5)[1]
        except queue.Empty:
            n += 1
    raise AssertionError("no event delivered after Redis came back")
