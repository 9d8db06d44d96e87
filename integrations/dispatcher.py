"""The delivery machinery for one process, chosen by configuration: RQ on Redis when
REDIS_URL is set, else background threads. Nothing starts until it is first used."""
from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from callcenter.services.deliveries import perform
from callcenter.services.notifications import Messaging
from integrations.queue import OutboxRelay, RqJobQueue, ThreadJobQueue

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, container, env=None):
        env = os.environ if env is None else env
        extra = container.settings.extra or {}
        self.container = container
        self._env = env
        self._messaging: Messaging | None = None
        self._lock = threading.RLock()
        self._queue = None
        self._relay: OutboxRelay | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.recheck_after = timedelta(seconds=float(
            extra.get("relay_recheck_seconds", env.get("RELAY_RECHECK_SECONDS", 60))))
        self.poll_interval = float(extra.get("relay_interval", env.get("RELAY_INTERVAL", 1.0)))

    @property
    def messaging(self) -> Messaging:
        if self._messaging is None:  # lazily: SECRET_KEY is only needed once messages are made
            self._messaging = Messaging.from_settings(self.container.settings, self._env)
        return self._messaging

    @property
    def queue(self):
        with self._lock:
            if self._queue is None:
                self._queue = self._make_queue()
            return self._queue

    @property
    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.container.sessions, self.queue, recheck_after=self.recheck_after)

    def _make_queue(self):
        settings = self.container.settings
        if settings.redis_url:
            return RqJobQueue(settings.redis_url, self.messaging.policy)
        from integrations.jobs import senders_for
        senders = senders_for(settings)
        return ThreadJobQueue(
            lambda delivery_id: perform(self.container.sessions, delivery_id, senders,
                                        self.messaging.policy), self.messaging.policy)

    def kick(self) -> None:
        """After a commit: hand the new outbox rows to the queue now rather than at the next poll."""
        relay = self._relay_thread()
        relay.wake()

    def start_background(self, *, deadlines_every: float | None = None) -> None:
        """Run the relay (and, in embedded mode, the deadline checks) in this process."""
        self._relay_thread()
        if deadlines_every:
            self._spawn("deadline-timer", self._deadline_loop, deadlines_every)

    def close(self) -> None:
        self._stop.set()
        if self._relay is not None:
            self._relay.wake()
        for t in self._threads:
            t.join(5)
        self._threads = []
        if self._queue is not None:
            self._queue.close()

    def _relay_thread(self) -> OutboxRelay:
        with self._lock:
            if self._relay is None:
                self._relay = self.relay
                self._spawn("outbox-relay", self._relay.run_forever, self._stop, self.poll_interval)
            return self._relay

    def _spawn(self, name, target, *args) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def _deadline_loop(self, every: float) -> None:
        from callcenter.services.deadlines_job import check_deadlines
        while not self._stop.wait(every):
            try:
                check_deadlines(self.container.sessions, self.messaging,
                                events=self.container.events)
            except Exception:
                log.exception("deadline check failed; next run in %ss", every)


def attach(container) -> Dispatcher:
    """Give a container its dispatcher (the composition root calls this)."""
    dispatcher = container.extras.get("dispatcher")
    if dispatcher is None:
        dispatcher = container.extras["dispatcher"] = Dispatcher(container)
    return dispatcher
