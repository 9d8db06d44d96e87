"""Job queues and the outbox relay.

`RqJobQueue` puts delivery jobs on Redis (`dispatch` and `notifications` queues) with a
`Retry` on every job; `ThreadJobQueue` runs the same jobs in a background thread with
the same back-off when there is no REDIS_URL. `OutboxRelay` moves committed outbox rows
to the queue, keeps them when Redis is down, and enqueues again any job that vanished
(Redis restarted empty, a worker died); the jobs are idempotent, so that is safe.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Callable, Protocol

from callcenter.domain.delivery import RetryPolicy
from callcenter.models.base import utcnow
from callcenter.services import outbox
from callcenter.services.outbox import OutboxItem

log = logging.getLogger(__name__)
QUEUES = ("dispatch", "notifications")
ALIVE = frozenset({"queued", "started", "scheduled", "deferred"})


class JobQueue(Protocol):
    def enqueue(self, item: OutboxItem) -> None: ...

    def is_alive(self, item: OutboxItem) -> bool: ...

    def maintain(self, at: float | None = None) -> None: ...

    def close(self) -> None: ...


def job_id(item: OutboxItem) -> str:
    return f"delivery-{item.delivery_id}-{item.id}"


class RqJobQueue:
    def __init__(self, redis_url: str, policy: RetryPolicy, job_timeout: int = 120):
        from redis import Redis
        from rq import Queue
        self.redis = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5)
        self.policy = policy
        self.job_timeout = job_timeout
        self.queues = {name: Queue(name, connection=self.redis) for name in QUEUES}

    def enqueue(self, item: OutboxItem) -> None:
        from rq import Retry

        from integrations import jobs
        retry = Retry(max=len(self.policy.intervals), interval=list(self.policy.intervals)) \
            if self.policy.intervals else None
        self.queues[item.queue].enqueue(
            jobs.deliver, item.delivery_id, job_id=job_id(item), retry=retry,
            job_timeout=self.job_timeout, result_ttl=3600, failure_ttl=7 * 86400,
            description=f"deliver({item.delivery_id})")

    def is_alive(self, item: OutboxItem) -> bool:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        try:
            job = Job.fetch(job_id(item), connection=self.redis)
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        return (status.value if status else "") in ALIVE

    def maintain(self, at: float | None = None) -> None:
        """Clean the registries so a job whose whole worker was killed (left STARTED) is
        requeued by its Retry; `at` lets a caller look past the heartbeat TTL."""
        from rq.registry import StartedJobRegistry, clean_registries
        for queue in self.queues.values():
            if at is None:
                clean_registries(queue)
            else:
                StartedJobRegistry(queue=queue).cleanup(timestamp=at)

    def close(self) -> None:
        self.redis.close()


class ThreadJobQueue:
    """Embedded mode: jobs run in background threads, retried on the same schedule as RQ."""

    def __init__(self, run: Callable[[int], object], policy: RetryPolicy, workers: int = 2):
        self.run, self.policy, self.workers = run, policy, workers
        self._heap: list = []
        self._live: set[int] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopping = False

    def enqueue(self, item: OutboxItem) -> None:
        with self._cond:
            if item.id in self._live:
                return
            self._live.add(item.id)
            heapq.heappush(self._heap, (time.monotonic(), next(self._seq), item, 0))
            self._start()
            self._cond.notify()

    def is_alive(self, item: OutboxItem) -> bool:
        with self._cond:
            return item.id in self._live

    def maintain(self, at: float | None = None) -> None:
        """Nothing to clean: a crashed process takes its jobs along and the relay re-sends."""

    def idle(self) -> bool:
        with self._cond:
            return not self._live

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(5)
        self._threads = []

    def _start(self) -> None:
        while len(self._threads) < self.workers and not self._stopping:
            t = threading.Thread(target=self._loop, name="delivery-runner", daemon=True)
            self._threads.append(t)
            t.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                if self._stopping:
                    return
                _due, _seq, item, attempt = heapq.heappop(self._heap)
            self._attempt(item, attempt)

    def _attempt(self, item: OutboxItem, attempt: int) -> None:
        try:
            self.run(item.delivery_id)
        except Exception as exc:  # the job's own state is in the database; we only reschedule
            if attempt < len(self.policy.intervals):
                delay = self.policy.intervals[attempt]
                log.info("delivery %s: retry in %ss (%s)", item.delivery_id, delay, exc)
                with self._cond:
                    heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), item,
                                                attempt + 1))
                    self._cond.notify()
                return
            log.warning("delivery %s: no retries left (%s)", item.delivery_id, exc)
        with self._cond:
            self._live.discard(item.id)


class OutboxRelay:
    def __init__(self, sessions, queue: JobQueue, *, recheck_after: timedelta = timedelta(seconds=60),
                 clock: Callable[[], datetime] = utcnow):
        self.sessions, self.queue, self.recheck_after, self.clock = sessions, queue, recheck_after, clock
        self._wake = threading.Event()

    def drain(self, limit: int = 500) -> int:
        """Enqueue rows nobody enqueued yet; stop (keeping the rest) when the queue is down."""
        with self.sessions.begin() as s:
            items = outbox.claim_new(s, self.clock(), limit)
        done = 0
        for i, item in enumerate(items):
            try:
                self.queue.enqueue(item)
                done += 1
            except Exception as exc:
                log.warning("queue unavailable (%s); %d outbox rows wait", type(exc).__name__,
                            len(items) - i)
                with self.sessions.begin() as s:
                    for rest in items[i:]:
                        outbox.release(s, rest.id)
                break
        return done

    def recover(self, limit: int = 500) -> int:
        """Enqueue again rows whose job is gone although the delivery is not finished."""
        now = self.clock()
        with self.sessions() as s:
            stale = outbox.claim_stale(s, now, self.recheck_after, limit)
        redone = 0
        for item, seen in stale:
            try:
                if self.queue.is_alive(item):
                    continue
                with self.sessions.begin() as s:
                    if not outbox.touch(s, item.id, seen, self.clock()):
                        continue
                self.queue.enqueue(item)
                redone += 1
            except Exception as exc:
                log.warning("queue unavailable during recovery (%s)", type(exc).__name__)
                break
        return redone

    def run_once(self) -> tuple[int, int]:
        return self.drain(), self.recover()

    def wake(self) -> None:
        self._wake.set()

    def run_forever(self, stop: threading.Event, interval: float = 1.0,
                    maintain_every: float = 30.0) -> None:
        last_maintenance = 0.0
        while not stop.is_set():
            try:
                self.run_once()
                if time.monotonic() - last_maintenance > maintain_every:
                    self.queue.maintain()
                    last_maintenance = time.monotonic()
            except Exception:
                log.exception("outbox relay pass failed; trying again")
            self._wake.wait(interval)
            self._wake.clear()
