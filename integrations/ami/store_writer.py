"""Hand folded records to the blocking store callables on one worker thread, in order.

Records wait up to `window` (0.2 s) so each kind goes in one transaction per window, not
one per burst of frames: the ORM work holds the GIL, and in the web process the screen-pop's
Socket.IO writer thread waits for it (docs/decisions/0005-screen-pop-first.md).

The consumer waits (backpressure) when the store falls behind; a batch the store keeps
refusing after a few attempts is kept in a JSON-lines spill file, so nothing is lost.
The spill file is replayed (integrations/ami/spill.py) on this same thread, so replaying
and spilling never overlap: at start-up, before the next batch is written (older records
first), and every `replay_every` seconds while it is there (the database came back, but
no call ended since).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from integrations.ami import spill

log = logging.getLogger(__name__)
Store = Callable[[list[dict[str, Any]]], None]
_REPLAY = "replay the spill file"   # a queue item that is not a record
WINDOW = 0.2  # s: how long the first record of a batch waits for the rest


class StoreWriter:
    def __init__(self, stores: dict[str, Store | None], stats: dict[str, int],
                 spill_path: str | None = None, attempts: int = 3, max_batch: int = 200,
                 replay_every: float = 30.0, window: float = WINDOW) -> None:
        self.stores, self.stats, self.spill_path = stores, stats, spill_path
        self.window = window
        self.attempts, self.max_batch, self.replay_every = attempts, max_batch, replay_every
        self.pending: deque[tuple[str, dict]] = deque()
        self._queue: asyncio.Queue = asyncio.Queue(1000)  # binds to a loop on first use only
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ami-store")

    def add(self, kind: str, items: list[dict]) -> None:
        if self.stores.get(kind) is not None:
            self.pending.extend((kind, item) for item in items)

    async def flush(self) -> None:
        """Move pending items to the writer's bounded queue; waits when it is full."""
        while self.pending:
            await self._queue.put(self.pending.popleft())

    async def run(self) -> None:
        """Write batches until close(); a batch being written is always finished."""
        ticker = asyncio.create_task(self._tick())
        try:
            await self._replay()
            while True:
                first = await self._queue.get()
                if self.window and isinstance(first, tuple) and self._queue.qsize() < self.max_batch:
                    await asyncio.sleep(self.window)  # let the rest of the window arrive
                # (a queue already holding a full batch is written at once: a burst, or a
                # store falling behind, must not also wait a window per batch)
                batch = [first] + [self._queue.get_nowait() for _ in range(self._queue.qsize())]
                items = [item for item in batch if isinstance(item, tuple)]
                for i in range(0, len(items), self.max_batch):
                    await self._write(items[i:i + self.max_batch])
                if not items and _REPLAY in batch:
                    await self._replay()
                if None in batch:
                    return
        finally:
            ticker.cancel()

    async def _tick(self) -> None:
        """Ask the runner to retry the spill file now and then, even with no call ending."""
        while True:
            await asyncio.sleep(self.replay_every)
            if spill.pending(self.spill_path) and self._queue.empty():
                self._queue.put_nowait(_REPLAY)

    async def close(self, runner: asyncio.Task | None = None) -> None:
        """Write everything still pending, then stop the runner and the worker thread."""
        if runner is not None and not runner.done():
            await self.flush()
            await self._queue.put(None)
            await runner
        else:
            items, self.pending = list(self.pending), deque()
            items += [i for i in (self._queue.get_nowait() for _ in range(self._queue.qsize()))
                      if isinstance(i, tuple)]
            if items:
                await self._write(items)
        self._executor.shutdown(wait=True)

    async def _replay(self) -> None:
        """Store what the spill file holds; if the store still refuses, it waits there."""
        if not spill.pending(self.spill_path):
            return
        loop = asyncio.get_running_loop()
        try:
            done = await loop.run_in_executor(self._executor, spill.replay_spill,
                                              self.spill_path, self.stores)
        except Exception as exc:  # noqa: BLE001 - still down: the file stays for the next try
            log.warning("spill file %s not replayed yet: %s: %s", self.spill_path,
                        type(exc).__name__, exc)
            return
        for kind, n in done.stored.items():
            self.stats[f"replayed_{kind}"] = self.stats.get(f"replayed_{kind}", 0) + n
        if done.rejected:
            self.stats["spill_rejected"] = self.stats.get("spill_rejected", 0) + done.rejected

    async def _write(self, items: list[tuple[str, dict]]) -> None:
        loop = asyncio.get_running_loop()
        await self._replay()
        for kind, store in self.stores.items():
            batch = [data for k, data in items if k == kind]
            if store is None or not batch:
                continue
            for attempt in range(self.attempts):
                try:
                    await loop.run_in_executor(self._executor, store, batch)
                    self.stats[f"stored_{kind}"] = self.stats.get(f"stored_{kind}", 0) + len(batch)
                    break
                except Exception:  # noqa: BLE001 - keep folding when the database hiccups
                    self.stats["store_errors"] = self.stats.get("store_errors", 0) + 1
                    log.exception("storing %d %s records failed (attempt %d)", len(batch), kind,
                                  attempt + 1)
                    if attempt + 1 < self.attempts:
                        await asyncio.sleep(0.2 * 2**attempt)
            else:
                await loop.run_in_executor(self._executor, self._spill, kind, batch)

    def _spill(self, kind: str, batch: list[dict]) -> None:
        if not self.spill_path:
            log.error("dropping %d %s records: the store keeps failing and no spill file is set",
                      len(batch), kind)
            return
        with open(self.spill_path, "a+", encoding="utf-8") as fh:
            if fh.tell() and not _ends_with_newline(self.spill_path):
                fh.write("\n")  # a line cut short by a kill stays a line of its own
            for data in batch:
                fh.write(json.dumps({"kind": kind, "data": data}, ensure_ascii=False) + "\n")
        log.error("store failing: %d %s records kept in %s", len(batch), kind, self.spill_path)


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"
