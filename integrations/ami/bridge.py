"""The AMI bridge: a supervised connection, one ordered consumer, resync on (re)connect.

Events go reader → bounded inbox → this single consumer (fold, agent tracker,
publisher), so order holds and memory stays bounded under a burst. Finished call
records and agent changes go to the store callables on one worker thread.
Call events (the screen-pop first) go out as each frame is folded; a queue's
`queue.snapshot` is published once the inbox is drained, one per queue touched by the
burst, so a pop never waits behind queue figures (docs/events.md).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Callable, Mapping

from callcenter.ports import EventPublisher
from integrations.ami.agents import AgentTracker
from integrations.ami.client import AMIConfig, AMIConnection, AMIError
from integrations.ami.fold import CallFold
from integrations.ami.framing import OddFrames
from integrations.ami.publish import DomainEvents
from integrations.ami.records import US
from integrations.ami.resync import reconcile
from integrations.ami.store_writer import StoreWriter

log = logging.getLogger(__name__)
Store = Callable[[list[dict[str, Any]]], None]
RESYNC_ACTIONS = (
    ("channels", "CoreShowChannels"),
    ("queues", "QueueStatus"),
    ("summary", "QueueSummary"),
)


class AMIBridge:
    def __init__(
        self,
        config: AMIConfig,
        events: EventPublisher,
        *,
        store_calls: Store | None = None,
        store_agents: Store | None = None,
        wrapup: Mapping[str, int] | None = None,
        default_wrapup: int = 15,
        clock: Callable[[], float] = time.time,
        backoff: tuple[float, float] = (0.5, 30.0),
        booted_timeout: float = 5.0,
        spill_path: str | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.odd = OddFrames()
        self.fold = CallFold(self.odd)
        self.agents = AgentTracker(wrapup, default_wrapup, keep_timeline=False)
        self.out = DomainEvents(events)
        self.store_calls, self.store_agents = store_calls, store_agents
        self.backoff, self.booted_timeout = backoff, booted_timeout
        self.connection: AMIConnection | None = None
        self.connected = asyncio.Event()
        self.resynced = asyncio.Event()
        self.stats = {
            "events": 0,
            "sessions": 0,
            "resyncs": 0,
            "stored_calls": 0,
            "stored_agents": 0,
            "store_errors": 0,
            "skipped": 0,
        }
        self.writer = StoreWriter({"calls": store_calls, "agents": store_agents}, self.stats, spill_path)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._resync: dict[str, list[dict[str, str]]] | None = None
        self._dirty: set[str] = set()  # queues whose snapshot is due when the inbox drains

    def now_us(self) -> int:
        return int(self.clock() * US)

    # -- supervision --------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, consume, and on any loss reconnect with exponential backoff, until stop()."""
        self.loop = asyncio.get_running_loop()
        writer = asyncio.create_task(self.writer.run())
        helpers = [asyncio.create_task(self._wrapup_timer())]
        delay = self.backoff[0]
        try:
            while not self._stopping:
                try:
                    await self._session()
                    delay = self.backoff[0]
                except (AMIError, OSError, asyncio.TimeoutError) as exc:
                    log.warning(
                        "AMI connection to %s:%s failed: %s",
                        self.config.host,
                        self.config.port,
                        exc,
                    )
                if self._stopping:
                    break
                await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
                delay = min(delay * 2, self.backoff[1])
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.writer.close(writer)

    async def stop(self) -> None:
        self._stopping = True
        if self.connection is not None:
            await self.connection.close("bridge stopping")

    async def _session(self) -> None:
        inbox: asyncio.Queue = asyncio.Queue(self.config.queue_size)
        conn = AMIConnection(self.config, inbox, self.odd, self.clock)
        await conn.open()
        self.connection, self._resync = conn, None
        self.stats["sessions"] += 1
        self.connected.set()
        conn.closed.add_done_callback(
            lambda _f: (
                inbox.put_nowait(("closed", {}, 0, ""))
                if not inbox.full()
                else asyncio.ensure_future(inbox.put(("closed", {}, 0, "")))
            )
        )
        booted = asyncio.get_running_loop().call_later(self.booted_timeout, self._start_resync)
        try:
            while True:
                kind, headers, received, tag = await inbox.get()
                if kind == "closed":
                    break
                if kind == "event":
                    self._on_event(headers, received)
                elif kind != "read_done":
                    self._on_list_item(headers, tag)
                if self._dirty and inbox.empty() and not conn.mid_read:
                    self._snapshots()  # once per read: after the pop, not between it and the rest
                if self.writer.pending:
                    await self._flush()
        finally:
            booted.cancel()
            self.stats["skipped"] += conn.framer.skipped if conn.framer else 0
            self.connected.clear()
            self.resynced.clear()
            self.connection = None
            await conn.close("session ended")
            log.warning(
                "AMI session ended: %s", conn.closed.result() if conn.closed.done() else "?"
            )

    # -- the ordered consumer -------------------------------------------------------------
    def _on_event(self, headers: Mapping[str, str], received: int) -> None:
        self.stats["events"] += 1
        if headers.get("Event") == "FullyBooted":
            self._start_resync()
        changes = self.fold.apply(headers, received)
        queues = self.out.call_changes(changes, self.fold.now or received)
        self._persist_calls(changes)
        agent_changes = self.agents.apply(headers, received)
        queues |= self.out.agent_changes(agent_changes)
        self._persist_agents(agent_changes)
        self._dirty |= queues

    def _start_resync(self) -> None:
        conn = self.connection
        if conn is None or self._resync is not None:
            return
        self._resync = {tag: [] for tag, _action in RESYNC_ACTIONS}
        self._resync_done: set[str] = set()
        for tag, action in RESYNC_ACTIONS:
            try:
                conn.submit({"Action": action}, is_list=True, ordered=True, tag=tag)
            except AMIError:
                return

    def _on_list_item(self, headers: Mapping[str, str], tag: str) -> None:
        if self._resync is None or tag not in self._resync:
            return
        if headers.get("EventList") == "Complete" or headers.get("Response") == "Error":
            self._resync_done.add(tag)
        elif "Event" in headers:
            self._resync[tag].append(dict(headers))
        if len(self._resync_done) == len(RESYNC_ACTIONS):
            self._apply_resync()

    def _apply_resync(self) -> None:
        lists, now = self._resync or {}, self.now_us()
        self._resync = {}  # done for this session: later list items are ignored
        queue_items = lists.get("queues", [])
        entries = [i for i in queue_items if i.get("Event") == "QueueEntry"]
        members = [i for i in queue_items if i.get("Event") == "QueueMember"]
        changes = reconcile(self.fold, lists.get("channels", []), entries, now)
        self._dirty |= self.out.call_changes(changes, now)
        self._persist_calls(changes)
        agent_changes = self.agents.resync(members, now)
        self._dirty |= self.out.agent_changes(agent_changes)
        self._persist_agents(agent_changes)
        summarised = {s["Queue"] for s in lists.get("summary", []) if s.get("Queue")}
        self._dirty -= summarised
        self._snapshots()
        for summary in lists.get("summary", []):
            if summary.get("Queue"):
                self._snapshot(
                    summary["Queue"],
                    {
                        "pbx_callers": _int(summary.get("Callers")),
                        "pbx_available": _int(summary.get("Available")),
                    },
                )
        self.stats["resyncs"] += 1
        self.resynced.set()
        log.info(
            "AMI resync: %d channels, %d queue members, %d waiting",
            len(lists.get("channels", [])),
            len(members),
            len(entries),
        )

    def _snapshots(self) -> None:
        """Publish the snapshot of every queue marked since the last time, once each."""
        queues, self._dirty = sorted(self._dirty), set()
        for queue in queues:
            self._snapshot(queue)

    def _snapshot(self, queue: str, extra: dict[str, Any] | None = None) -> None:
        lids = self.fold.waiting.get(queue, set())
        starts = [self.fold.calls[lid].queued_at for lid in lids if lid in self.fold.calls]
        starts = [s for s in starts if s is not None]
        longest = (self.fold.now - min(starts)) // US if starts and self.fold.now else None
        self.out.queue_snapshot(queue, len(lids), longest, self.agents.counts(queue), extra)

    def console_state(self, extension: str, state: str, reason: str | None) -> None:
        """The console's own action (pause, log-in…), shown at once; the PBX's events correct it."""
        changes = self.agents.console(extension, state, reason, self.now_us())
        self._dirty |= self.out.agent_changes(changes)
        self._snapshots()
        self._persist_agents(changes)
        if self.loop is not None:
            asyncio.ensure_future(self._flush())

    # -- timers and persistence ------------------------------------------------------------
    async def _wrapup_timer(self) -> None:
        while True:
            deadline = self.agents.next_deadline()
            wait = 1.0 if deadline is None else max(0.0, deadline / US - self.clock())
            await asyncio.sleep(min(wait, 1.0))
            changes = self.agents.expire(self.now_us())
            if changes:
                self._dirty |= self.out.agent_changes(changes)
                self._snapshots()
                self._persist_agents(changes)
                await self._flush()

    def _persist_calls(self, changes) -> None:
        if self.store_calls is not None:
            self.writer.add("calls", [rec.to_json() for kind, rec, _i in changes if kind == "ended"])

    def _persist_agents(self, changes) -> None:
        if self.store_agents is not None:
            self.writer.add("agents", [change.to_json() for change in changes])

    async def _flush(self) -> None:
        await self.writer.flush()

    def metrics(self) -> dict[str, Any]:
        """Counters for /metrics: frames, odd frames by kind, calls in progress."""
        conn = self.connection
        skipped = self.stats["skipped"] + (conn.framer.skipped if conn and conn.framer else 0)
        return {
            **self.stats,
            "skipped": skipped,
            "frames": self.stats["events"] + skipped,
            "odd_frames": dict(self.odd.counts),
            "active_calls": len(self.fold.calls),
            "connected": self.connected.is_set(),
        }


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() else None
