"""Liveness of processes that have no web port (the AMI bridge on each Asterisk node):
each beats into Redis with a time-to-live; /healthz reads the beats. Without Redis the
beats stay in this process (the embedded bridge runs inside `serve`).

    beats = Heartbeats(settings.redis_url)
    asyncio.create_task(beat_bridge(bridge, beats, node="pbx1"))   # in `callcenter ami-bridge`
"""
from __future__ import annotations

import asyncio
import json
import threading
import time

PREFIX = "callcenter:heartbeat:"


class Heartbeats:
    def __init__(self, redis_url: str | None = None, redis=None) -> None:
        if redis is None and redis_url:
            from redis import Redis
            redis = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self.redis = redis
        self._local: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def beat(self, component: str, node: str, ok: bool, ttl: float = 30.0, **detail) -> None:
        """Record that `component` on `node` is alive and whether it is `ok`, for `ttl` s."""
        value = {"ok": ok, "at": time.time(), **detail}
        key = f"{PREFIX}{component}:{node}"
        if self.redis is not None:
            self.redis.set(key, json.dumps(value), px=int(ttl * 1000))
            return
        with self._lock:
            self._local[key] = (time.monotonic() + ttl, value)

    def read(self, component: str) -> dict[str, dict]:
        """Live beats of `component` by node; expired ones are gone."""
        prefix = f"{PREFIX}{component}:"
        if self.redis is not None:
            keys = list(self.redis.scan_iter(match=prefix + "*", count=100))
            values = self.redis.mget(keys) if keys else []
            return {k.decode()[len(prefix):]: json.loads(v) for k, v in zip(keys, values) if v}
        now = time.monotonic()
        with self._lock:
            return {k[len(prefix):]: v for k, (until, v) in self._local.items()
                    if k.startswith(prefix) and until > now}


async def beat_bridge(bridge, beats: Heartbeats, node: str, interval: float = 10.0,
                      poll: float = 0.25) -> None:
    """Beat the bridge's AMI connection state every `interval` seconds, and at once when it
    connects or drops, until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        connected = bridge.connected.is_set()
        try:
            await loop.run_in_executor(None, lambda: beats.beat(
                "ami", node, connected, ttl=interval * 3))
        except Exception:  # Redis down: /healthz shows the bridge as missing, which it is
            pass
        waited = 0.0
        while waited < interval and bridge.connected.is_set() == connected:
            await asyncio.sleep(min(poll, interval))
            waited += poll
