"""Emit to Socket.IO rooms from a process without the web app, many emits per Redis round trip.

The message is python-socketio's own pub/sub emit message (what `SocketIO(message_queue=…)`
publishes, read by every web worker's RedisManager listener); publishing a batch through one
pipeline costs one round trip instead of one per emit. Data that JSON cannot carry (bytes)
goes through the library's own emit, which knows binary attachments.
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
        self.url, self.channel, self.namespace_of = redis_url, channel, namespace_of
        self.host_id = uuid.uuid4().hex
        self._fallback = None  # the library's write-only emitter, made on first binary emit

    def emit(self, event: str, data: dict, room: str) -> None:
        self.emit_many([(event, data, room)])

    def emit_many(self, items: list[tuple[str, dict, str]]) -> None:
        """Publish in order in one pipeline; raises when Redis refuses (nothing is retried
        here: the seqs were used, the consoles see the gap and refetch a snapshot)."""
        pipe = self.redis.pipeline(transaction=False)
        for event, data, room in items:
            try:
                text = json.dumps(self._message(event, data, room), ensure_ascii=False)
            except TypeError:
                pipe.execute()  # keep the order: what came before goes first
                self._binary(event, data, room)
                continue
            pipe.publish(self.channel, text)
        pipe.execute()

    def _message(self, event: str, data: dict, room: str) -> dict:
        return {"method": "emit", "event": event, "data": [data], "binary": False,
                "namespace": self.namespace_of(room), "room": room, "skip_sid": None,
                "callback": None, "host_id": self.host_id}

    def _binary(self, event: str, data: dict, room: str) -> None:
        if self._fallback is None:
            from flask_socketio import SocketIO
            self._fallback = SocketIO(message_queue=self.url, channel=self.channel)
        self._fallback.emit(event, data, to=room, namespace=self.namespace_of(room))

