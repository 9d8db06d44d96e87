"""The publisher's slow work on one thread, so the AMI event loop never waits on it.

The publisher folds an event and numbers it (`seq`) on the caller's thread, then hands the
emit here. With a `window`, the thread waits that long after the first event of a batch so
a burst becomes one batch (wallboard figures once per burst, off the screen-pop's way).
This thread takes whatever is queued as one batch and, in order:
1. asks the publisher, once per room in the batch, for its mirror record (JSON text of the
   state as it is now, so its seq ≥ every seq in the batch) and, for queue rooms, the
   wallboard figures;
2. writes those records to the mirror in one pipeline (a coalesced write per room);
3. emits the batch in queue order; a queue room's figures ride on its last event of the batch.
With the Redis mirror and emitter, 2 and 3 are one pipeline (SETs, then PUBLISHes).
A `before` hook runs first (the wallboard lane waits there for the pops queued before it).

One FIFO and one thread keep every room's order; the queue is bounded and `put` waits when
it is full (backpressure), so nothing is dropped here. A failed mirror write or emit is
logged and counted; the seq it used shows as a gap and the console refetches a snapshot.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

# rooms -> {room: (mirror JSON text or None, wallboard view or None)}
Prepare = Callable[[list[str]], dict[str, tuple[str | None, dict | None]]]
STOP = object()


class Outbox:
    def __init__(self, emitter, mirror, prepare: Prepare, *, max_pending: int = 20000,
                 max_batch: int = 500, window: float = 0.0, name: str = "live-outbox",
                 before: Callable[[], object] | None = None) -> None:
        self.emitter, self.mirror, self.prepare = emitter, mirror, prepare
        self.before = before  # called before each batch: e.g. the pop lane's flush
        self.max_batch, self.window = max_batch, window
        self.stats = {"batches": 0, "emitted": 0, "mirror_writes": 0, "emit_errors": 0,
                      "mirror_errors": 0}
        self._queue: queue.Queue = queue.Queue(max_pending)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, name: str, data: dict[str, Any], room: str) -> None:
        """Queue one emit; waits while the queue is full. After close() it is sent inline."""
        if self._closed:
            self._send([(name, data, room)])
            return
        self._queue.put((name, data, room))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far has been sent; False on timeout."""
        if self._closed:
            return True
        done = threading.Event()
        self._queue.put((None, done, None))
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop the thread (the bridge calls this on exit)."""
        if self._closed:
            return
        self._queue.put(STOP)
        self._thread.join(timeout)
        self._closed = True
        if self._thread.is_alive():
            log.error("live outbox: %d events still queued at close", self._queue.qsize())

    # -- the thread ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            if self.window and batch[0] is not STOP and batch[0][0] is not None:
                time.sleep(self.window)  # let the rest of the burst arrive: one batch
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            items = [b for b in batch if b is not STOP and b[0] is not None]
            try:
                self._send(items)
            except Exception:  # noqa: BLE001 - a bug must not stop the thread
                log.exception("live outbox: a batch of %d events was not sent", len(items))
            for b in batch:
                if b is not STOP and b[0] is None:
                    b[1].set()  # a flush() marker: everything before it is sent
            if any(b is STOP for b in batch):
                return

    def _send(self, items: list[tuple[str, dict, str]]) -> None:
        if not items:
            return
        if self.before is not None:
            self.before()
        last = {room: i for i, (_n, _d, room) in enumerate(items)}
        extras = self.prepare(list(last))
        out = []
        for i, (name, data, room) in enumerate(items):
            view = extras.get(room, (None, None))[1]
            out.append((name, {**data, "view": view} if view is not None and last[room] == i
                        else data, room))
        if self._joint():
            self._save_and_emit(extras, out)
        else:
            self._save(extras)
            self._emit(out)
        self.stats["batches"] += 1

    def _joint(self) -> bool:
        """Redis mirror and Redis emitter: both go in one pipeline (push_redis.py)."""
        return hasattr(self.mirror, "keyed") and hasattr(self.emitter, "emit_many")

    def _save_and_emit(self, extras, items: list[tuple[str, dict, str]]) -> None:
        records = {room: text for room, (text, _v) in extras.items() if text is not None}
        try:
            sent = self.emitter.emit_many(items, records=self.mirror.keyed(records))
            self.stats["mirror_writes"] += len(records)
            self.stats["emitted"] += sent
            self.stats["emit_errors"] += len(items) - sent
        except Exception as exc:  # noqa: BLE001 - Redis down: the seqs show as gaps
            self.stats["mirror_errors"] += len(records)
            self.stats["emit_errors"] += len(items)
            log.warning("live outbox: %d emits and %d mirror writes lost (%s); consoles resync "
                        "on the seq gap", len(items), len(records), exc)

    def _emit(self, items: list[tuple[str, dict, str]]) -> None:
        many = getattr(self.emitter, "emit_many", None)
        if many is not None:
            try:
                sent = many(items)
                sent = len(items) if sent is None else sent
                self.stats["emitted"] += sent
                self.stats["emit_errors"] += len(items) - sent
            except Exception as exc:  # noqa: BLE001 - Redis down: the seqs show as gaps
                self.stats["emit_errors"] += len(items)
                log.warning("live outbox: %d emits lost (%s); consoles resync on the seq gap",
                            len(items), exc)
            return
        for name, data, room in items:
            try:
                self.emitter.emit(name, data, room)
                self.stats["emitted"] += 1
            except Exception as exc:  # noqa: BLE001
                self.stats["emit_errors"] += 1
                log.warning("emit %s to %s failed: %s", name, room, exc)

    def _save(self, extras: dict[str, tuple[str | None, dict | None]]) -> None:
        records = {room: text for room, (text, _v) in extras.items() if text is not None}
        if not records:
            return
        try:
            self.mirror.save_many(records)
            self.stats["mirror_writes"] += len(records)
        except Exception as exc:  # noqa: BLE001 - Redis down: consoles see the gap and resync
            self.stats["mirror_errors"] += len(records)
            log.warning("live mirror save failed for %d rooms: %s", len(records), exc)
