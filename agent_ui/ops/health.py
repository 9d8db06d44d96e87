"""The checks behind /healthz: database, Redis, the AMI connection(s), queue depth."""
from __future__ import annotations

import time

from sqlalchemy import func, select, text

from callcenter.bootstrap import Container

JOB_QUEUES = ("dispatch", "notifications", "intake")


def check_database(container: Container) -> dict:
    started = time.perf_counter()
    try:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "down" here
        return {"status": "fail", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def _redis(container: Container):
    client = container.extras.get("ops_redis")
    if client is None:
        from redis import Redis
        client = Redis.from_url(container.settings.redis_url, socket_timeout=2,
                                socket_connect_timeout=2)
        container.extras["ops_redis"] = client
    return client


def check_redis(container: Container) -> dict:
    if not container.settings.redis_url:
        return {"status": "not_configured"}
    try:
        _redis(container).ping()
    except Exception as exc:
        return {"status": "fail", "error": type(exc).__name__}
    return {"status": "ok"}


def _embedded_bridge_connected(container: Container) -> bool | None:
    control = container.extras.get("call_control")
    bridge = getattr(getattr(control, "thread", None), "bridge", None)
    connected = getattr(bridge, "connected", None)
    return None if connected is None else connected.is_set()


def check_ami(container: Container) -> dict:
    """Connected when the embedded bridge is, or when every beating bridge node says so."""
    settings = container.settings
    embedded = _embedded_bridge_connected(container)
    nodes: dict = {}
    if settings.redis_url:
        from integrations.heartbeat import Heartbeats
        try:
            nodes = Heartbeats(redis=_redis(container)).read("ami")
        except Exception as exc:
            return {"status": "fail", "error": f"heartbeats unreadable: {type(exc).__name__}"}
    if embedded is None and not nodes:
        if settings.ami_url or settings.demo:
            return {"status": "fail", "error": "no bridge is running or beating"}
        return {"status": "not_configured"}
    states = [embedded] if embedded is not None else []
    states += [bool(beat.get("ok")) for beat in nodes.values()]
    return {"status": "ok" if all(states) else "fail",
            "nodes": {name: beat.get("ok") for name, beat in nodes.items()},
            **({"embedded": embedded} if embedded is not None else {})}


def queue_depth(container: Container) -> dict:
    """Deliveries waiting in the outbox, and jobs waiting / failed in each RQ queue."""
    depth: dict = {}
    try:
        from callcenter.models import OutboxMessage
        with container.sessions() as session:
            depth["outbox_pending"] = session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.completed_at.is_(None)))
    except Exception as exc:
        depth["outbox_error"] = type(exc).__name__
    if container.settings.redis_url:
        try:
            from rq import Queue
            for name in JOB_QUEUES:
                queue = Queue(name, connection=_redis(container))
                depth[name] = {"queued": queue.count,
                               "failed": queue.failed_job_registry.count}
        except Exception as exc:
            depth["rq_error"] = type(exc).__name__
    return depth


def health(container: Container) -> tuple[dict, int]:
    checks = {"database": check_database(container), "redis": check_redis(container),
              "ami": check_ami(container)}
    queues = queue_depth(container) if checks["database"]["status"] == "ok" else {}
    if checks["database"]["status"] != "ok":
        status, code = "fail", 503
    elif any(c["status"] == "fail" for c in checks.values()) or \
            any(k.endswith("_error") for k in queues):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return {"status": status, "checks": checks, "queues": queues}, code
