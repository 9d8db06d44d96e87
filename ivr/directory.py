"""What the IVR needs from the ticket store, as a Protocol the store implements."""
from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol


class DirectoryError(Exception):
    """Raised when the directory cannot answer (outage, timeout): the call goes to a person."""

    code = "ivr_directory_unavailable"


@dataclass(frozen=True)
class CallerMatch:
    """A resident whose registered phone matches the caller's number."""

    resident_id: str
    name: str
    tags: tuple[str, ...] = ()
    language: str = "zh"

    def __reduce__(self):
        """Pickled as its fields: the lookup process sends one per call (less to pickle)."""
        return CallerMatch, (self.resident_id, self.name, self.tags, self.language)


@dataclass(frozen=True)
class TicketInfo:
    """What the IVR may say about a ticket: status, deadline, and whose phones it carries."""

    number: str
    status: str
    status_text: dict[str, str]
    deadline: datetime | None
    phones: tuple[str, ...] = ()

    def __reduce__(self):
        """Pickled as its fields, a UTC deadline as a naive one: the lookup process sends
        these, and pickling the zone cost ~10 µs a ticket (decisions/0009)."""
        when = self.deadline
        utc = when is not None and when.tzinfo is timezone.utc
        return _ticket_info, (self.number, self.status, self.status_text,
                              when.replace(tzinfo=None) if utc else when, utc, self.phones)


def _ticket_info(number, status, status_text, deadline, utc, phones) -> TicketInfo:
    """TicketInfo from its pickled fields (TicketInfo.__reduce__)."""
    if utc:
        deadline = deadline.replace(tzinfo=timezone.utc)
    return TicketInfo(number, status, status_text, deadline, phones)


class IvrDirectory(Protocol):
    """The three questions the IVR asks the store; each may raise on outage.

    An implementation may set `blocking = False` when it never waits on I/O; the FastAGI
    server then calls it on the event loop instead of a worker thread.
    """

    def lookup_caller(self, number: str) -> list[CallerMatch]: ...

    # Optional: caller_context(number) -> (lookup_caller(number), [TicketInfo of the
    # caller's latest tickets]), both in one round trip (see DeferredDirectory).

    def ticket_status(self, ticket_number: str) -> TicketInfo | None: ...

    def record_survey(self, ticket_number: str | None, linkedid: str, score: int) -> None: ...


@dataclass
class InMemoryDirectory:
    """Directory held in dicts: for tests, demos and the benchmark."""

    blocking = False  # answers from memory: safe to call on the event loop
    residents: dict[str, list[CallerMatch]] = field(default_factory=dict)
    tickets: dict[str, TicketInfo] = field(default_factory=dict)
    surveys: list[tuple[str | None, str, int]] = field(default_factory=list)

    def lookup_caller(self, number: str) -> list[CallerMatch]:
        return list(self.residents.get(number, []))

    def ticket_status(self, ticket_number: str) -> TicketInfo | None:
        return self.tickets.get(ticket_number)

    def record_survey(self, ticket_number: str | None, linkedid: str, score: int) -> None:
        self.surveys.append((ticket_number, linkedid, score))


class GuardedDirectory:
    """Bound every directory call by a timeout so a hung database cannot hold a caller.

    The call runs on a small thread pool; on timeout the thread is abandoned (the
    driver's own timeout ends it) and DirectoryError is raised at once.
    """

    def __init__(self, inner: IvrDirectory, timeout: float = 2.0, workers: int = 8):
        self.inner = inner
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, "ivr-directory")

    def _call(self, name: str, *args):
        future = self._pool.submit(getattr(self.inner, name), *args)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            raise DirectoryError(f"{name} timed out after {self.timeout}s") from None
        except DirectoryError:
            raise
        except Exception as exc:
            raise DirectoryError(f"{name} failed: {type(exc).__name__}") from exc

    def lookup_caller(self, number: str) -> list[CallerMatch]:
        return self._call("lookup_caller", number)

    def ticket_status(self, ticket_number: str) -> TicketInfo | None:
        return self._call("ticket_status", ticket_number)

    def record_survey(self, ticket_number: str | None, linkedid: str, score: int) -> None:
        return self._call("record_survey", ticket_number, linkedid, score)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class DirectoryDeferred(Exception):
    """Raised by DeferredDirectory for an answer not fetched yet; the engine lets it through."""

    def __init__(self, directory: "DeferredDirectory", key: tuple):
        super().__init__(key[0])
        self.directory, self.key = directory, key


class DeferredDirectory:
    """Per-call directory for the event loop: the loop never blocks on the store.

    The engine runs inline; when it asks for something not fetched yet this raises
    DirectoryDeferred, the runner awaits `fetch` (on a worker thread, with a timeout) and
    runs the same engine step again, which is pure given its state and these answers.
    Only steps that touch the store pay for a thread hop (or, for an async directory with
    `ask(question, *args)`, a round trip to the lookup process), and each answer is fetched
    once per call. A directory with `caller_context(number)` answers the caller lookup and the
    caller's own latest tickets in one hop, so checking one's own ticket needs no second.
    """

    def __init__(self, inner: IvrDirectory, executor=None, timeout: float = 2.0):
        self.inner, self.executor, self.timeout = inner, executor, timeout
        self.answers: dict[tuple, object] = {}

    def _answer(self, name: str, *args):
        key = (name, args)
        if key not in self.answers:
            raise DirectoryDeferred(self, key)
        value = self.answers[key]
        if isinstance(value, DirectoryError):
            raise value
        return value

    async def fetch(self, key: tuple) -> None:
        import asyncio

        name, args = key
        ask = getattr(self.inner, "ask", None)  # an async directory (ivr/lookup_process.py)
        # An async directory always answers caller_context (it runs a StoreDirectory).
        context = ask is not None or hasattr(self.inner, "caller_context")
        if ask is None:
            loop = asyncio.get_running_loop()

            def ask(question, *a):
                return loop.run_in_executor(self.executor, getattr(self.inner, question), *a)
        try:
            async with asyncio.timeout(self.timeout):
                if name == "lookup_caller" and context:
                    matches, tickets = await ask("caller_context", *args)
                    for info in tickets:
                        self.answers[("ticket_status", (info.number,))] = info
                    self.answers[key] = matches
                else:
                    self.answers[key] = await ask(name, *args)
        except TimeoutError:
            self.answers[key] = DirectoryError(f"{name} timed out after {self.timeout}s")
        except DirectoryError as exc:
            self.answers[key] = exc
        except Exception as exc:  # noqa: BLE001 — any store failure becomes a queued call
            self.answers[key] = DirectoryError(f"{name} failed: {type(exc).__name__}")

    def lookup_caller(self, number: str) -> list[CallerMatch]:
        return self._answer("lookup_caller", number)

    def ticket_status(self, ticket_number: str) -> TicketInfo | None:
        return self._answer("ticket_status", ticket_number)

    def record_survey(self, ticket_number: str | None, linkedid: str, score: int) -> None:
        return self._answer("record_survey", ticket_number, linkedid, score)
