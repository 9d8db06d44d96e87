"""Job functions run by RQ workers (and by the in-process runner): they take ids and
build their own unit of work, with no Flask app and no state shared with the enqueuer."""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Callable

from callcenter.bootstrap import Container, build
from callcenter.config import Settings
from callcenter.domain.delivery import DeliveryBusy
from callcenter.models.base import utcnow
from callcenter.services.deliveries import Sender, perform
from callcenter.services.notifications import Messaging

log = logging.getLogger(__name__)
# Extra channels (e.g. the fax issue's sender) register a factory: settings → Sender.
SENDER_FACTORIES: dict[str, Callable[[Settings], Sender]] = {}


def register_sender(channel: str, factory: Callable[[Settings], Sender]) -> None:
    SENDER_FACTORIES[channel] = factory


def senders_for(settings: Settings, env=None) -> dict[str, Sender]:
    from integrations.email import SmtpConfig, SmtpEmail
    from integrations.sms import TwilioSms
    from integrations.webhook import WebhookSender
    env = os.environ if env is None else env
    extra = settings.extra or {}
    timeout = float(extra.get("webhook_timeout", env.get("WEBHOOK_TIMEOUT", 10)))
    senders: dict[str, Sender] = {
        "sms": TwilioSms.from_settings(settings),
        "webhook": WebhookSender(timeout=timeout),
        "email": SmtpEmail(SmtpConfig.from_settings(settings, env)),
    }
    for name, make in SENDER_FACTORIES.items():
        sender = make(settings)
        if sender is not None:  # a factory may decline, e.g. fax without a PBX
            senders[name] = sender
    return senders


@dataclass
class Runtime:
    container: Container
    messaging: Messaging
    senders: dict[str, Sender]

    @classmethod
    def for_container(cls, container: Container) -> "Runtime":
        return cls(container, Messaging.from_settings(container.settings),
                   senders_for(container.settings))


_runtime: Runtime | None = None
_runtime_pid: int | None = None


def runtime() -> Runtime:
    """One runtime per process. A forked work-horse keeps its parent's warm engine (mappers
    configured, statements compiled) but drops the inherited pool: connections are never
    shared across a fork."""
    global _runtime, _runtime_pid
    if _runtime is None:
        _runtime = Runtime.for_container(build(Settings.from_env()))
    elif _runtime_pid != os.getpid():
        _runtime.container.engine.dispose(close=False)
    _runtime_pid = os.getpid()
    return _runtime


def warm_up() -> None:
    """Build the runtime and run the claim query once, so work-horses fork warm."""
    rt = runtime()
    perform(rt.container.sessions, 0, rt.senders, rt.messaging.policy)
    rt.container.engine.dispose()


def deliver(delivery_id: int) -> str:
    """RQ job: one attempt at one delivery; raising lets RQ's Retry schedule the next.

    A delivery still leased by a worker that died mid-send is waited for (at most one
    lease) rather than retried later: its lease is what tells us the send may be lost.
    """
    rt = runtime()
    try:
        return perform(rt.container.sessions, delivery_id, rt.senders, rt.messaging.policy)
    except DeliveryBusy as busy:
        wait = (busy.until - utcnow()).total_seconds() if busy.until else 0
        time.sleep(min(max(wait, 0) + 0.1, rt.messaging.policy.lease_seconds))
        return perform(rt.container.sessions, delivery_id, rt.senders, rt.messaging.policy)


def check_deadlines() -> dict:
    """RQ job (and scheduler tick): reminders and escalations for every live ticket."""
    from callcenter.services.deadlines_job import check_deadlines as run
    rt = runtime()
    report = run(rt.container.sessions, rt.messaging, events=rt.container.events)
    return {"reminded": len(report.reminded), "escalated": len(report.escalated)}
