"""EventPublisher → Socket.IO: fold each event into its rooms' live state, then emit it
to those rooms only (never a broadcast), stamped with a per-room `seq`.

Folding and numbering happen on the caller's thread (the bridge's loop); the emits go by
two lanes, each keeping its rooms' seq order:
- agent rooms (the screen-pop): emitted at once, inline when embedded, on their own
  Outbox thread with `threaded` (Redis), with nothing queued ahead of them but other pops;
- queue and region rooms (wallboards): on a coalescing Outbox thread (push_outbox.py) in
  both modes, which waits WALLBOARD_WINDOW after the first event so a burst is one batch:
  each queue's figures computed once per batch, never on the pop's path, and sent only
  after the pops queued before them.

Two modes, one class:
- embedded: the publisher lives in the web process, emits through the app's SocketIO
  and serves snapshots from memory;
- `REDIS_URL`: the bridge's process emits through a write-only `SocketIO(message_queue=…)`
  and mirrors each room's state and seq into Redis, where every web worker reads
  snapshots. Flask-SocketIO drops an emit silently when Redis is down; the seq was
  still used, so the next event a client gets shows a gap and it refetches a snapshot.
  The Redis work runs on the Outbox threads, never on the bridge's event loop: mirror
  writes coalesced per batch, each room's record written before its events are emitted.
"""
from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import sys
import threading
import time
import uuid
from typing import Any, Callable, Protocol

from callcenter.config import ConfigError
from callcenter.services import live, wallboard
from integrations.push_outbox import Outbox

log = logging.getLogger(__name__)

WALLBOARD_WINDOW = 0.02  # s: a wallboard lags a burst by this much, and gets it as one batch
NAMESPACES = {"agent": "/agent", "queue": "/supervisor", "region": "/supervisor"}
CHANNEL = "callcenter"  # the Redis pub/sub channel every web worker and emitter shares
SWITCH_INTERVAL = 0.0001  # s: see hand_over_quickly
# s: after publishing a screen-pop the bridge's thread sleeps this long, so the thread it
# just woke (the socket's writer when embedded, the pop lane with Redis) takes the GIL and
# sends the pop before the rest of the burst is folded (decision 0005, second addendum)
POP_HANDOFF = 0.0002


def hand_over_quickly(environ=os.environ) -> float:
    """Lower the interpreter's thread switch interval (5 ms by default) in a process that
    pushes events: a thread woken to send one (a socket's Socket.IO writer, an outbox lane)
    waits at most this long for the GIL while another thread (the bridge finishing its
    burst, the store writer's ORM work) holds it. `PUSH_SWITCH_INTERVAL` (seconds; 0 keeps
    Python's) overrides it; never raised. Returns the interval in force.
    Measured in docs/decisions/0005-screen-pop-first.md."""
    text = environ.get("PUSH_SWITCH_INTERVAL", "").strip()
    try:
        wanted = float(text) if text else SWITCH_INTERVAL
    except ValueError:
        raise ConfigError(f"PUSH_SWITCH_INTERVAL must be seconds, e.g. 0.0001 (got {text!r})"
                          ) from None
    if not 0 <= wanted <= 1:  # also refuses nan
        raise ConfigError(f"PUSH_SWITCH_INTERVAL must be between 0 and 1 s (got {text!r})")
    if wanted and wanted < sys.getswitchinterval():
        sys.setswitchinterval(wanted)
    return sys.getswitchinterval()


def freeze_startup_heap() -> int:
    """Move every object alive now (modules, ORM metadata, the app: start-up's) into the
    collector's permanent generation, once a process that pushes events has started.

    A full (gen-2) collection otherwise scans them all, holding the GIL throughout: with
    the web app built as `serve` builds it (381 k objects) one took 142–169 ms, after the
    freeze ~0.01 ms. CPython runs one whenever enough objects have survived into the old
    generation, so a long-running server would stall every pop and emit in flight that
    long now and then (decision 0005, second addendum). Returns how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def namespace_of(room: str) -> str:
    return NAMESPACES[room.split(":", 1)[0]]


class Emitter(Protocol):
    def emit(self, event: str, data: dict, room: str) -> None: ...


class SocketIOEmitter:
    """Emit through a Flask-SocketIO instance: the app's, or a write-only one."""

    def __init__(self, socketio) -> None:
        self.socketio = socketio

    def emit(self, event: str, data: dict, room: str) -> None:
        self.socketio.emit(event, data, to=room, namespace=namespace_of(room))


def write_only_emitter(redis_url: str) -> SocketIOEmitter:
    """For processes without the web app (the bridge): publish into the Redis queue."""
    from flask_socketio import SocketIO
    return SocketIOEmitter(SocketIO(message_queue=redis_url, channel=CHANNEL))


def queue_thresholds(directory) -> Callable[[str], tuple[int, int]]:
    """(service-level seconds, wait-alert seconds) of a queue, from the queue file."""
    def thresholds(queue: str) -> tuple[int, int]:
        q = directory.get(queue)
        return (q.service_level_seconds, q.wait_alert_seconds) if q else (15, 60)
    return thresholds


def bridge_publisher(redis_url: str, directory=None) -> "LivePublisher":
    """The bridge in its own process (`callcenter ami-bridge` with REDIS_URL): emit through
    the Redis queue the web workers listen to, and mirror each room's state there."""
    if directory is None:
        from callcenter.services.queue_directory import QueueDirectory, load_queues
        directory = QueueDirectory(load_queues())
    from integrations.push_redis import RedisEmitter  # many emits per round trip
    hand_over_quickly()
    emitter = RedisEmitter(redis_url, CHANNEL, namespace_of)
    publisher = LivePublisher(emitter, RedisMirror(redis_url),
                              thresholds=queue_thresholds(directory), threaded=True)
    atexit.register(publisher.close)  # what is still queued goes out before the process ends
    return publisher


class MemoryMirror:
    """Embedded mode: the publisher's own states are the snapshots (copied when read)."""

    stores = False  # nothing to serialise for it

    def save(self, room: str, record: dict) -> None:
        pass

    def save_many(self, records: dict[str, str]) -> None:
        pass

    def load(self, room: str) -> dict | None:
        return None


class RedisMirror:
    """Snapshots in Redis so every web worker (and a restarted bridge) reads the same."""

    stores = True

    def __init__(self, redis_url: str, prefix: str = "cc:live:") -> None:
        import redis
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def save(self, room: str, record: dict) -> None:
        self.redis.set(self.prefix + room, json.dumps(record, ensure_ascii=False))

    def save_many(self, records: dict[str, str]) -> None:
        """Records already serialised, room → JSON text, written in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for key, text in self.keyed(records).items():
            pipe.set(key, text)
        pipe.execute()

    def keyed(self, records: dict[str, str]) -> dict[str, str]:
        """room → text as Redis key → text, for an emitter that writes them with its emits."""
        return {self.prefix + room: text for room, text in records.items()}

    def load(self, room: str) -> dict | None:
        raw = self.redis.get(self.prefix + room)
        return json.loads(raw) if raw else None


class LivePublisher:
    """The EventPublisher the bridge is given; see the module docstring."""

    def __init__(self, emitter: Emitter, mirror, *,
                 thresholds: Callable[[str], tuple[int, int]] = lambda q: (15, 60),
                 clock: Callable[[], float] = time.time, threaded: bool = False,
                 window: float = WALLBOARD_WINDOW, pop_handoff: float = POP_HANDOFF) -> None:
        self.emitter, self.mirror = emitter, mirror
        self.pop_handoff = pop_handoff
        self.thresholds, self.clock = thresholds, clock
        self.epoch = uuid.uuid4().hex[:12]
        self.states: dict[str, dict] = {}
        self.seqs: dict[str, int] = {}
        self.holders: dict[str, set[str]] = {}  # linkedid → rooms that may hold it (a superset)
        self.queue_rooms: list[str] = []
        self.lock = threading.RLock()
        self.pops = Outbox(emitter, mirror, self._prepare, name="live-pops") if threaded else None
        self.outbox = Outbox(emitter, mirror, self._prepare, window=window, name="live-wallboard",
                             before=self.pops.flush if self.pops else None)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event published so far has gone out."""
        return (self.pops.flush(timeout) if self.pops else True) and self.outbox.flush(timeout)

    def close(self) -> None:
        """Send what is queued and stop the threads (on process exit)."""
        if self.pops:
            self.pops.close()
        self.outbox.close()

    @property
    def stats(self) -> dict[str, int]:
        lanes = [self.outbox] + ([self.pops] if self.pops else [])
        return {k: sum(lane.stats[k] for lane in lanes) for k in self.outbox.stats}

    def publish(self, name: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        if name == "ticket.changed":
            self._ticket_changed(payload)
            return
        popped = False
        with self.lock:
            now = self.clock()
            for target in self._rooms(name, payload, room):
                popped |= self._apply(target, name, payload, now)
            if name == "call.ended":  # closed in every room now, and never comes back
                self.holders.pop(payload.get("linkedid"), None)
        if popped and self.pop_handoff:  # outside the lock: a pop lane's batch takes it
            time.sleep(self.pop_handoff)

    def snapshot(self, room: str) -> dict:
        """The room's state and the seq it includes (a copy: events go on mutating ours)."""
        with self.lock:
            record = ({**self._record(room), "state": live.copy_state(self.states[room])}
                      if room in self.states else None)
        if record is None:
            try:
                record = self.mirror.load(room)
            except Exception as exc:
                log.warning("live mirror load failed for %s: %s", room, exc)
        record = {**(record or self._empty(room)), "now": self.clock()}
        return self._with_view(room, record, record["state"], record["now"])

    def _with_view(self, room: str, data: dict, state: dict, now: float) -> dict:
        """Queue rooms carry the wallboard's figures, computed once here for every screen."""
        if room.startswith("queue:"):
            sl, alert = self.thresholds(room.split(":", 1)[1])
            data["view"] = wallboard.queue_view(state, now, sl_seconds=sl, wait_alert_seconds=alert)
        return data

    # -- internals -----------------------------------------------------------------
    def _apply(self, room: str, name: str, payload: dict, now: float) -> bool:
        """Fold the event into the room and send it; True when it was a screen-pop."""
        state = self._state(room, now)
        queue = room.split(":", 1)[1] if room.startswith("queue:") else ""
        if not live.apply(state, name, payload, now, self.thresholds(queue)[0]):
            return False
        lid = payload.get("linkedid")
        if lid and live.holds_call(state, lid):
            self.holders.setdefault(lid, set()).add(room)
        self.seqs[room] = self.seqs.get(room, 0) + 1
        data = {**payload, "room": room, "seq": self.seqs[room], "epoch": self.epoch}
        popped = name == "call.ringing" and room.startswith("agent:")
        lane = self.pops if room.startswith("agent:") else self.outbox
        if lane is not None:  # called under the lock: the lane's FIFO keeps seq order
            lane.put(name, data, room)
            return popped
        try:  # embedded screen-pop: straight out, nothing ahead of it
            self.mirror.save(room, self._record(room))
        except Exception as exc:  # Redis down: clients will see the gap and resync later
            log.warning("live mirror save failed for %s: %s", room, exc)
        try:
            self.emitter.emit(name, data, room)
        except Exception as exc:
            log.warning("emit %s to %s failed: %s", name, room, exc)
            return False
        return popped

    def _prepare(self, rooms: list[str]) -> dict[str, tuple[str | None, dict | None]]:
        """For the outbox: each room's mirror record as JSON and its wallboard figures, now.
        Only a copy is taken under the lock (the pop's publish waits on it); the rest after."""
        with self.lock:
            now = self.clock()
            records = {room: {**self._record(room), "state": live.copy_state(self.states[room])}
                       for room in rooms if room in self.states}
        out: dict[str, tuple[str | None, dict | None]] = {}
        for room in rooms:
            record = records.get(room)
            if record is None:
                out[room] = (None, None)
                continue
            text = (json.dumps(record, ensure_ascii=False)
                    if getattr(self.mirror, "stores", True) else None)
            out[room] = (text, self._with_view(room, {}, record["state"], now).get("view"))
        return out

    def _state(self, room: str, now: float) -> dict:
        if room not in self.states:
            record = None
            try:
                record = self.mirror.load(room)
            except Exception as exc:
                log.warning("live mirror load failed for %s: %s", room, exc)
            self.states[room] = record["state"] if record else live.empty_state(room, live.local_day(now))
            self.seqs[room] = record["seq"] if record else 0
            for lid in self.states[room]["calls"]:
                self.holders.setdefault(lid, set()).add(room)
            if room.startswith("queue:"):
                self.queue_rooms.append(room)
        return self.states[room]

    def _record(self, room: str) -> dict:
        return {"room": room, "seq": self.seqs.get(room, 0), "epoch": self.epoch,
                "state": self.states[room], "now": self.clock()}

    def _empty(self, room: str) -> dict:
        return {"room": room, "seq": 0, "epoch": self.epoch, "now": self.clock(),
                "state": live.empty_state(room, live.local_day(self.clock()))}

    def _rooms(self, name: str, payload: dict, room: str | None) -> list[str]:
        """The rooms an event concerns, whatever room the bridge named."""
        rooms = [room] if room else []
        ext, lid = live.extension_of(payload), payload.get("linkedid")
        if name == "agent.state" and ext:
            rooms.append(f"agent:{ext}")
            rooms += [f"queue:{q}" for q in payload.get("queues") or ()]
            rooms += [r for r in self.queue_rooms if ext in self.states[r]["agents"]]
        elif name == "queue.snapshot" and payload.get("queue"):
            rooms.append(f"queue:{payload['queue']}")
        elif name in live.CALL_EVENTS:
            if payload.get("queue"):
                rooms.append(f"queue:{payload['queue']}")
            if ext and name in ("call.ringing", "call.answered"):
                rooms.append(f"agent:{ext}")
            if name in ("call.answered", "call.ended", "call.abandoned") and lid:
                rooms += [r for r in self.holders.get(lid, ()) if live.holds_call(self.states[r], lid)]
        # Agents' rooms first: the screen-pop must not wait for a queue's figures.
        return sorted(dict.fromkeys(rooms), key=lambda r: not r.startswith("agent:"))

    def _ticket_changed(self, payload: dict) -> None:
        """Tell the supervisors above the ticket's region; no live state to keep."""
        path = str(payload.get("region_path") or "")
        parts = [p for p in path.split("/") if p]
        for i in range(1, len(parts) + 1):
            room = "region:/" + "/".join(parts[:i]) + "/"
            self.outbox.put("ticket.changed", dict(payload), room)
