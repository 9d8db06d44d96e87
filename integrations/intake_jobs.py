"""What a separate `callcenter ami-bridge` hands to the RQ workers: faxes, voicemails,
call-back requests and survey scores (the embedded bridge of `callcenter serve` handles
them in-process instead: callcenter/serving.py).

`IntakeJobs` wraps the bridge's publisher: every event is published as before, and the
ones that must become records are also enqueued on the `intake` queue, job id per call
(`fax-<linkedid>`…) with a Retry. The jobs are idempotent by linkedid (the fax's source key,
the voicemail's ticket, the call record), so a retried or re-enqueued job files nothing twice.
"""
from __future__ import annotations

import logging
import re
from collections import OrderedDict, deque
from typing import Any, Callable

log = logging.getLogger(__name__)
INTAKE_QUEUE = "intake"
RETRY_INTERVALS = (10, 30, 60)
MAX_PENDING = 10_000


# -- the jobs (run by `callcenter worker`) -------------------------------------------------
def receive_fax(headers: dict[str, str]) -> str | None:
    """RQ job: file the fax of the dialplan's FaxReceived headers (integrations/fax_in.py)."""
    from integrations import fax_in
    from integrations.jobs import runtime
    return fax_in.on_fax_received(runtime().container, headers)


def file_voicemail(payload: dict[str, Any]) -> str | None:
    from integrations import after_hours_in
    from integrations.jobs import runtime
    return after_hours_in.file_voicemail(runtime().container, payload)


def request_callback(payload: dict[str, Any]) -> int:
    from integrations import after_hours_in
    from integrations.jobs import runtime
    return after_hours_in.request_callback(runtime().container, payload)


def record_survey(payload: dict[str, Any]) -> bool:
    from integrations import after_hours_in
    from integrations.jobs import runtime
    return after_hours_in.record_survey(runtime().container, payload)


def fax_headers(payload: dict[str, Any]) -> dict[str, str]:
    """A `call.ended` payload's fax as the FaxReceived headers `on_fax_received` reads."""
    fax = payload.get("fax") or {}
    return {"File": fax.get("file") or "", "Pages": str(fax.get("pages") or ""),
            "RemoteStationID": fax.get("remote_station_id") or "",
            "CallerID": payload.get("caller_number") or "",
            "Linkedid": payload.get("linkedid") or ""}


def job_id(kind: str, linkedid: str) -> str:
    """`fax-1795865163_18`: RQ accepts only letters, digits, `_` and `-` in a job id."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', linkedid)}"


def job_for(name: str, payload: dict[str, Any]) -> tuple[Callable, dict, str] | None:
    """(job function, its argument, job id) for an event that must become a record."""
    lid = str(payload.get("linkedid") or "")
    if not lid:
        return None
    if name == "call.ended" and payload.get("fax"):
        return receive_fax, fax_headers(payload), job_id("fax", lid)
    plain = {k: v for k, v in payload.items() if k != "seq"}
    if name == "call.voicemail":
        return file_voicemail, plain, job_id("voicemail", lid)
    if name == "call.callback_requested":
        return request_callback, plain, job_id("callback", lid)
    if name == "call.survey":
        return record_survey, plain, job_id("survey", lid)
    return None


# -- the enqueuing side (in `callcenter ami-bridge`) ------------------------------------------
class IntakeJobs:
    """An EventPublisher that also enqueues the intake jobs; see the module docstring.

    If Redis refuses, the job waits in memory (at most MAX_PENDING) and is enqueued again
    with the next event: the bridge never stops for it.
    """

    def __init__(self, inner, queue) -> None:
        self.inner, self.queue = inner, queue
        self._done: OrderedDict[str, None] = OrderedDict()
        self.pending: deque = deque()

    @classmethod
    def for_redis(cls, inner, redis_url: str) -> "IntakeJobs":
        from redis import Redis
        from rq import Queue
        redis = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5)
        return cls(inner, Queue(INTAKE_QUEUE, connection=redis))

    def publish(self, name: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        self.inner.publish(name, payload, room=room)
        job = job_for(name, payload)
        if job is not None and job[2] not in self._done:
            self._remember(job[2])
            if len(self.pending) >= MAX_PENDING:
                dropped = self.pending.popleft()
                log.error("intake queue unreachable too long: job %s not enqueued", dropped[2])
            self.pending.append(job)
        if self.pending:
            self.flush()

    def flush(self) -> int:
        """Enqueue what waits, oldest first; stop at the first refusal."""
        from rq import Retry
        done = 0
        while self.pending:
            func, arg, jid = self.pending[0]
            try:
                self.queue.enqueue(func, arg, job_id=jid, result_ttl=86400,
                                   failure_ttl=7 * 86400, description=jid,
                                   retry=Retry(max=len(RETRY_INTERVALS),
                                               interval=list(RETRY_INTERVALS)))
            except Exception as exc:  # noqa: BLE001 - Redis down: keep it and carry on
                log.warning("intake job %s waits (%d pending): %s: %s", jid, len(self.pending),
                            type(exc).__name__, exc)
                return done
            self.pending.popleft()
            done += 1
        return done

    def _remember(self, jid: str) -> None:
        self._done[jid] = None
        while len(self._done) > 50_000:
            self._done.popitem(last=False)

    def __getattr__(self, attr: str):
        return getattr(self.inner, attr)  # snapshot() etc. of the wrapped publisher


def wire_bridge(container) -> Callable[[], None]:
    """`callcenter ami-bridge`: with REDIS_URL the workers file (jobs above); without Redis
    this process files them itself, as `callcenter serve` does. Returns the stopper."""
    if container.settings.redis_url:
        container.events = IntakeJobs.for_redis(container.events, container.settings.redis_url)
        return lambda: None
    from integrations import after_hours_in
    return after_hours_in.start(container, with_fax=True)
