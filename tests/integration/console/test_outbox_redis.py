"""What `callcenter ami-bridge` builds with REDIS_URL (bridge_publisher: Outbox thread,
pipelined emits and mirror writes) against a real web worker and Redis: events arrive in seq
order in their agent's room only, the worker's snapshot comes from the mirror, and a batch
lost while Redis is down shows as a seq gap."""
from __future__ import annotations

import json
import queue
import time

import pytest

from console_live import LiveServer
from integrations.push import RedisMirror, bridge_publisher
from servers import RedisServer


def ringing(ext: str, lid: str) -> dict:
    return {"linkedid": lid, "extension": ext, "caller_number": "13800138000", "queue": "qa1"}


@pytest.mark.redis
def test_threaded_bridge_events_arrive_in_seq_order_in_their_agents_room(
        container, street_world, redis_server, browsers, tmp_path):
    from agent_ui import create_app
    from callcenter.services.queue_directory import QueueDirectory
    container.settings = container.settings.with_(redis_url=redis_server.url)
    RedisMirror(redis_server.url).redis.flushdb()
    app = create_app(container.settings, container=container)
    bridge = bridge_publisher(redis_server.url, QueueDirectory({}))
    try:
        with LiveServer(app) as srv:
            a = browsers(srv.url).login("agent_a1", "8001", "/console/").connect("/agent")
            b = browsers(srv.url).login("agent_a2", "8002", "/console/").connect("/agent")
            for i in range(20):
                bridge.publish("call.ringing", ringing("8001", f"R-{i}"), room="agent:8001")
            bridge.publish("call.ringing", ringing("8002", "S-1"), room="agent:8002")
            assert [a.next()[1]["seq"] for _ in range(20)] == list(range(1, 21))
            assert b.next()[1]["linkedid"] == "S-1"
            with pytest.raises(queue.Empty):
                a.next(timeout=0.3)
            [snap] = a.snapshot()   # read by the web worker from the Redis mirror
            assert snap["seq"] == 20 and len(snap["state"]["calls"]) == 20
    finally:
        bridge.close()


@pytest.mark.redis
def test_threaded_bridge_batch_lost_while_redis_is_down_shows_as_a_gap(
        container, street_world, browsers):
    from agent_ui import create_app
    from callcenter.services.queue_directory import QueueDirectory
    redis = RedisServer().start()
    bridge = None
    try:
        container.settings = container.settings.with_(redis_url=redis.url)
        app = create_app(container.settings, container=container)
        bridge = bridge_publisher(redis.url, QueueDirectory({}))
        with LiveServer(app) as srv:
            a = browsers(srv.url).login("agent_a1", "8001", "/console/").connect("/agent")
            bridge.publish("call.ringing", ringing("8001", "G-1"), room="agent:8001")
            assert a.next()[1]["seq"] == 1
            redis.stop()
            bridge.publish("call.ringing", ringing("8001", "G-2"), room="agent:8001")  # lost
            assert bridge.flush(10) and bridge.stats["emit_errors"] == 2  # agent + queue room
            redis.start()
            got = _first_delivered(bridge, a, deadline=time.monotonic() + 30)
            assert got["seq"] > 2          # seq 2 never arrived: the console must resync
            [snap] = a.snapshot()
            assert {"G-1", "G-2"} <= set(snap["state"]["calls"]) and snap["seq"] >= got["seq"]
    finally:
        if bridge is not None:
            bridge.close()
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


@pytest.mark.redis
def test_an_event_that_is_not_json_is_dropped_with_an_error_and_the_rest_still_go(
        redis_server, caplog):
    from integrations.push import CHANNEL, namespace_of
    from integrations.push_redis import RedisEmitter
    emitter = RedisEmitter(redis_server.url, CHANNEL, namespace_of)
    listener = emitter.redis.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(CHANNEL)
    try:
        sent = emitter.emit_many([("call.ringing", {"seq": 1}, "agent:8001"),
                                  ("call.ringing", {"seq": 2, "blob": b"\x00"}, "agent:8001"),
                                  ("call.ringing", {"seq": 3}, "agent:8001")])
        got, deadline = [], time.monotonic() + 5
        while len(got) < 2 and time.monotonic() < deadline:
            message = listener.get_message(timeout=0.5)
            if message:
                got.append(json.loads(message["data"]))
    finally:
        listener.close()
    assert sent == 2 and [m["data"][0]["seq"] for m in got] == [1, 3]
    assert got[0]["room"] == "agent:8001" and got[0]["namespace"] == "/agent"
    assert "dropped: payload is not JSON" in caplog.text
