"""Emit to Socket.IO rooms from a process without the web app, many emits per Redis round trip.

The message is python-socketio's own pub/sub emit message (what `SocketIO(message_queue=…)`
publishes, read by every web worker's RedisManager listener); publishing a batch through one
pipeline costs one round trip instead of one per emit. Our events are JSON (the mirror keeps
them as JSON too); one that is not is dropped with an error in the log, never the batch.
"""
from __future__ import annotations

import json
import logging
import uuid

log = logging.getLogger(__name__)


class RedisEmitter:
    def __init__(self, redis_url: str, channel: str, namespace_of) -> None:
        import redis
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self.channel, self.namespace_of = channel, namespace_of
        self.host_id = uuid.uuid4().hex

    def emit(self, event: str, data: dict, room: str) -> None:
        self.emit_many([(event, data, room)])

    def emit_many(self, items: list[tuple[str, dict, str]],
                  records: dict[str, str] | None = None) -> int:
        """Publish in order in one pipeline; return how many went. Raises when Redis refuses
        (not retried: the seqs were used, the consoles see the gap and refetch a snapshot).
        `records` (Redis key → text: the live mirror's) are SET first in the same pipeline,
        so the mirror is written before the emits at the cost of one round trip for both."""
        pipe, sent = self.redis.pipeline(transaction=False), 0
        for key, text in (records or {}).items():
            pipe.set(key, text)
        for event, data, room in items:
            try:
                text = json.dumps(self._message(event, data, room), ensure_ascii=False)
            except (TypeError, ValueError) as exc:  # not JSON: the console resyncs on the gap
                log.error("emit %s to %s dropped: payload is not JSON (%s)", event, room, exc)
                continue
            pipe.publish(self.channel, text)
            sent += 1
        pipe.execute()
        return sent

    def _message(self, event: str, data: dict, room: str) -> dict:
        return {"method": "emit", "event": event, "data": [data], "binary": False,
                "namespace": self.namespace_of(room), "room": room, "skip_sid": None,
                "callback": None, "host_id": self.host_id}
