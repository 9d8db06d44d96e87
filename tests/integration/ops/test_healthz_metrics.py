"""/healthz tells which part is down; /metrics exposes the hotline's counters to Prometheus."""
from __future__ import annotations

import asyncio
import json

import pytest

from agent_ui import create_app
from callcenter.bootstrap import build
from integrations import metrics
from integrations.heartbeat import Heartbeats
from servers import RedisServer, free_port


def _client(settings):
    container = build(settings)
    app = create_app(settings, container=container)
    app.config.update(TESTING=True)
    return app.test_client(), container


def test_embedded_mode_is_healthy_with_redis_and_ami_not_configured(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"] == {"status": "not_configured"}
    assert body["checks"]["ami"] == {"status": "not_configured"}
    assert body["queues"]["outbox_pending"] == 0


def test_an_unreachable_database_answers_503(settings):
    dead = settings.with_(database_url=f"postgresql+psycopg://cc@127.0.0.1:{free_port()}/cc")
    client, container = _client(dead)
    try:
        response = client.get("/healthz")
    finally:
        container.close()
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["status"] == "fail"


@pytest.mark.redis
def test_redis_and_job_queues_are_reported(settings, redis_server):
    from redis import Redis
    from rq import Queue
    redis = Redis.from_url(redis_server.url)
    redis.flushdb()
    Queue("dispatch", connection=redis).enqueue("integrations.jobs.no_such_job", 1)
    client, container = _client(settings.with_(redis_url=redis_server.url))
    try:
        body = client.get("/healthz").get_json()
    finally:
        container.close()
        redis.flushdb()
    assert body["checks"]["redis"] == {"status": "ok"}
    assert body["queues"]["dispatch"] == {"queued": 1, "failed": 0}


@pytest.mark.redis
def test_a_stopped_redis_makes_the_service_degraded_not_down(settings):
    server = RedisServer().start()
    client, container = _client(settings.with_(redis_url=server.url))
    try:
        server.stop()
        response = client.get("/healthz")
    finally:
        container.close()
        server.cleanup()
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


def test_ami_configured_without_any_bridge_is_a_failure(settings):
    client, container = _client(settings.with_(ami_url="ami://cc:x@127.0.0.1:5038"))
    try:
        body = client.get("/healthz").get_json()
    finally:
        container.close()
    assert body["status"] == "degraded" and body["checks"]["ami"]["status"] == "fail"


@pytest.mark.redis
def test_a_real_bridge_beats_its_ami_connection_into_redis(settings, redis_server):
    from harness_bridge import run_bridge_with_heartbeat
    from redis import Redis
    Redis.from_url(redis_server.url).flushdb()
    beats = Heartbeats(redis_server.url)
    asyncio.run(run_bridge_with_heartbeat(beats, node="pbx1"))
    client, container = _client(settings.with_(redis_url=redis_server.url,
                                               ami_url="ami://cc:x@127.0.0.1:5038"))
    try:
        ami = client.get("/healthz").get_json()["checks"]["ami"]
        beats.beat("ami", "pbx2", ok=False)
        ami_with_a_lost_node = client.get("/healthz").get_json()["checks"]["ami"]
    finally:
        container.close()
        Redis.from_url(redis_server.url).flushdb()
    assert ami == {"status": "ok", "nodes": {"pbx1": True}}
    assert ami_with_a_lost_node["status"] == "fail"
    assert ami_with_a_lost_node["nodes"] == {"pbx1": True, "pbx2": False}


def test_heartbeats_expire_when_a_process_stops_beating():
    beats = Heartbeats()
    beats.beat("ami", "pbx1", ok=True, ttl=0.05)
    assert beats.read("ami") == {"pbx1": {"ok": True, "at": beats.read("ami")["pbx1"]["at"]}}
    import time
    time.sleep(0.1)
    assert beats.read("ami") == {}


def _sample(text: str, name: str, labels: str = "") -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{labels} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{labels} not in /metrics")


def test_metrics_expose_the_counters_the_other_processes_increment(client):
    before = client.get("/metrics").get_data(as_text=True)
    metrics.count_call("answered")
    metrics.count_call("abandoned")
    metrics.count_call("no-such-disposition")
    metrics.count_ami_events(50)
    metrics.count_job_failure("dispatch", "deliver")
    metrics.observe_dispatch_latency(0.3, channel="webhook")
    metrics.socketio_connected("/agent")
    after = client.get("/metrics").get_data(as_text=True)
    metrics.socketio_disconnected("/agent")
    for name, labels, delta in [
        ("callcenter_calls_total", '{disposition="answered"}', 1),
        ("callcenter_calls_total", '{disposition="other"}', 1),
        ("callcenter_ami_events_total", "", 50),
        ("callcenter_job_failures_total", '{job="deliver",queue="dispatch"}', 1),
        ("callcenter_dispatch_latency_seconds_count", '{channel="webhook"}', 1),
        ("callcenter_socketio_clients", '{namespace="/agent"}', 1),
    ]:
        old = _sample(before, name, labels) if f"{name}{labels}" in before else 0.0
        assert _sample(after, name, labels) == old + delta, name
    assert _sample(after, "callcenter_queue_depth", '{queue="outbox"}') == 0


def test_healthz_and_metrics_need_no_log_in_and_no_csrf(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert json.loads(client.get("/healthz").data)["status"] == "ok"
