"""What a separate `callcenter ami-bridge` hands to the RQ workers: faxes, voicemails,
call-back requests and survey scores (the embedded bridge of `callcenter serve` handles
them in-process instead: callcenter/serving.py).

`IntakeJobs` wraps the bridge's publisher: every event is published as before, and the
ones that must become records are also enqueued on the `intake` queue, job id per call
(`fax-<linkedid>`…) with a Retry. The jobs are idempotent by linkedid (the fax's source key,
the voicemail's ticket, the call record), so a retried or re-enqueued job files nothing twice.
Until Redis has taken a job it is also in a journal file (`JobJournal`), so a bridge killed
while Redis is down enqueues it at its next start.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections import OrderedDict
from queue import Full, Queue as Queue_
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


JOBS = {f.__name__: f for f in (receive_fax, file_voicemail, request_callback, record_survey)}


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


class JobJournal:
    """Append-only file of the jobs Redis has not taken yet: a `job` line when one is held,
    a `done` line once enqueued. Read (and compacted) at start-up; emptied once nothing is
    held. Written with fsync: intake jobs are a few a minute, and each is a resident's fax
    or voicemail."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._held: set[str] = set()

    def load(self) -> list[tuple[Callable, dict, str]]:
        """The jobs a previous run left held, in order; lines that are not jobs are moved to
        `<journal>.rejected` with the reason, and reported."""
        if not os.path.exists(self.path):
            return []
        held: OrderedDict[str, tuple[Callable, dict, str]] = OrderedDict()
        bad = []
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    if "done" in item:
                        held.pop(item["done"], None)
                    else:
                        held[item["id"]] = (JOBS[item["job"]], dict(item["arg"]), item["id"])
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    bad.append({"line": number, "error": f"{type(exc).__name__}: {exc}",
                                "text": line.rstrip("\n")})
        if bad:
            with open(self.path + ".rejected", "a", encoding="utf-8") as fh:
                fh.writelines(json.dumps(b, ensure_ascii=False) + "\n" for b in bad)
            log.error("intake journal %s: %d line(s) are not jobs (lines %s); kept in %s.rejected",
                      self.path, len(bad), ", ".join(str(b["line"]) for b in bad[:10]), self.path)
        with self._lock:
            self._write("w", [self._job_line(job) for job in held.values()])
            self._held = set(held)
        if held:
            log.warning("intake journal %s: %d job(s) held by an earlier run, enqueuing them",
                        self.path, len(held))
        return list(held.values())

    def hold(self, job: tuple[Callable, dict, str]) -> None:
        with self._lock:
            self._write("a", [self._job_line(job)])
            self._held.add(job[2])

    def done(self, jid: str) -> None:
        with self._lock:
            self._held.discard(jid)
            if self._held:
                self._write("a", [json.dumps({"done": jid}) + "\n"])
            else:
                self._write("w", [])   # nothing held: start the file afresh

    @staticmethod
    def _job_line(job: tuple[Callable, dict, str]) -> str:
        func, arg, jid = job
        return json.dumps({"id": jid, "job": func.__name__, "arg": arg}, ensure_ascii=False) + "\n"

    def _write(self, mode: str, lines: list[str]) -> None:
        with open(self.path, mode, encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())


# -- the enqueuing side (in `callcenter ami-bridge`) ------------------------------------------
class IntakeJobs:
    """An EventPublisher that also enqueues the intake jobs; see the module docstring.

    Enqueueing runs on a thread of its own, never on the bridge's event loop: if Redis
    refuses, the job waits in memory (at most MAX_PENDING) and is tried again every
    `retry_every` seconds, while call events keep flowing. With a `journal`, a held job
    survives the process: the next start enqueues it.
    """

    def __init__(self, inner, queue, retry_every: float = 5.0,
                 journal: JobJournal | None = None) -> None:
        self.inner, self.queue, self.retry_every = inner, queue, retry_every
        self.journal = journal
        self._done: OrderedDict[str, None] = OrderedDict()
        self._todo: Queue_ = Queue_(MAX_PENDING)
        for job in journal.load() if journal else []:
            self._done[job[2]] = None
            self._todo.put_nowait(job)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="intake-enqueue", daemon=True)
        self._thread.start()

    @classmethod
    def for_redis(cls, inner, redis_url: str, journal_path: str | None = None) -> "IntakeJobs":
        from redis import Redis
        from rq import Queue
        redis = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5)
        return cls(inner, Queue(INTAKE_QUEUE, connection=redis),
                   journal=JobJournal(journal_path) if journal_path else None)

    def publish(self, name: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        self.inner.publish(name, payload, room=room)
        job = job_for(name, payload)
        if job is None or job[2] in self._done:
            return
        self._done[job[2]] = None
        while len(self._done) > 50_000:
            self._done.popitem(last=False)
        if self.journal is not None:
            self.journal.hold(job)   # before anything can lose it
        try:
            self._todo.put_nowait(job)
        except Full:
            log.error("intake queue unreachable too long: job %s not enqueued%s", job[2],
                      " (kept in the journal for the next start)" if self.journal else "")

    def pending(self) -> int:
        return self._todo.qsize()

    def close(self, timeout: float = 5.0) -> None:
        """Stop after what is queued is enqueued (or `timeout`); what is left is logged."""
        self._todo.put(None)
        self._thread.join(timeout)
        self._stop.set()
        if self._todo.qsize():
            log.error("bridge stopping: %d intake jobs not enqueued%s", self._todo.qsize(),
                      f"; kept in {self.journal.path} for the next start" if self.journal else "")

    def _run(self) -> None:
        while True:
            job = self._todo.get()
            if job is None:
                return
            while not self._enqueue(*job):
                if self._stop.wait(self.retry_every):
                    return
            if self.journal is not None:
                self.journal.done(job[2])

    def _enqueue(self, func: Callable, arg: dict, jid: str) -> bool:
        from rq import Retry
        try:
            self.queue.enqueue(func, arg, job_id=jid, result_ttl=86400, failure_ttl=7 * 86400,
                               description=jid, retry=Retry(max=len(RETRY_INTERVALS),
                                                            interval=list(RETRY_INTERVALS)))
            return True
        except Exception as exc:  # noqa: BLE001 - Redis down: keep it and carry on
            log.warning("intake job %s waits (%d more pending): %s: %s", jid,
                        self._todo.qsize(), type(exc).__name__, exc)
            return False

    def __getattr__(self, attr: str):
        return getattr(self.inner, attr)  # snapshot() etc. of the wrapped publisher


def wire_bridge(container, journal_path: str | None = None) -> Callable[[], None]:
    """`callcenter ami-bridge`: with REDIS_URL the workers file (jobs above), held jobs kept
    in `journal_path`; without Redis this process files them itself, as `callcenter serve`
    does. Returns the stopper."""
    if container.settings.redis_url:
        jobs = IntakeJobs.for_redis(container.events, container.settings.redis_url,
                                    journal_path)
        container.events = jobs
        return jobs.close
    from integrations import after_hours_in
    return after_hours_in.start(container, with_fax=True)
