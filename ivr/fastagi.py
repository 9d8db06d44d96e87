"""FastAGI server: panoramisk's Application with a guarded handshake, routes /hotline and /survey.

panoramisk 1.4 reads the AGI environment in a loop that spins forever once the peer
closes early (read() returns b"" and the loop never awaits anything real), freezing every
call on the server; see docs/decisions/0002-fastagi-server.md. `handler` is replaced
here; routing, Request and result parsing stay panoramisk's.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

from panoramisk.fast_agi import Application

from ivr.agi_channel import AgiChannel, AgiRequest
from ivr.channel import CallOutcome, run_call
from ivr.directory import DeferredDirectory, IvrDirectory
from ivr.engine import Engine
from ivr.loader import load_builtin
from ivr.phones import normalise_caller
from ivr.steps import CallInfo

log = logging.getLogger(__name__)
# Threads for store lookups. Few on purpose: each lookup is short CPU work under the GIL the
# event loop needs, so more threads only add switching (decisions/0006); a slow database
# is bounded by the lookup timeout, not by more threads.
LOOKUP_WORKERS = 4
# Child processes answering store lookups for `callcenter fastagi` (ivr/lookup_process.py).
LOOKUP_PROCESSES = 1


class HandshakeError(Exception):
    """Raised when a connection does not send a well-formed AGI environment in time."""

    code = "agi_bad_environment"


@dataclass
class Limits:
    """How long and how much a peer may take to introduce itself, and to answer a command."""

    env_timeout: float = 5.0
    env_max_bytes: int = 16384
    line_max_bytes: int = 4096
    read_timeout: float = 300.0


async def read_environment(reader: asyncio.StreamReader, limits: Limits) -> dict[str, str]:
    """Read `agi_*: value` lines up to the blank line, within a time and size budget."""
    headers: dict[str, str] = {}
    size = 0
    async with asyncio.timeout(limits.env_timeout):
        while True:
            try:
                line = await reader.readline()
            except ValueError:  # a line longer than the stream's limit
                raise HandshakeError("environment line too long") from None
            if not line.endswith(b"\n"):
                raise HandshakeError("peer closed before the end of the environment")
            size += len(line)
            if size > limits.env_max_bytes:
                raise HandshakeError("environment too large")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                return headers
            key, sep, value = text.partition(":")
            if not sep or not key.startswith("agi_") or not key.replace("_", "").isalnum():
                raise HandshakeError("not an AGI environment line")
            headers[key] = value.strip()


def bound_reads(transport, size: int) -> None:
    """Read at most `size` bytes per recv on this connection (CPython selector transports).

    asyncio asks recv() for 256 KiB; a buffer that large is above glibc malloc's mmap
    threshold (128 KiB), so every read of a 20-byte AGI reply cost an mmap, an mremap and
    an munmap, and the page fault between: ~1 ms of a call's CPU at 36 reads a call
    (docs/decisions/0011). Transports without the attribute (uvloop, Windows) are left as
    they are.
    """
    if getattr(transport, "max_size", 0) > size:
        transport.max_size = size


def call_info(headers: dict[str, str]) -> CallInfo:
    """Take what the engine needs from the AGI environment (survey: ticket and linkedid args)."""
    return CallInfo(caller=headers.get("agi_callerid"),
                    linkedid=headers.get("agi_arg_2") or headers.get("agi_uniqueid", ""),
                    channel_language=headers.get("agi_language") or None,
                    ticket=headers.get("agi_arg_1") or None)


class GuardedApplication(Application):
    """panoramisk Application whose handshake cannot stall the event loop."""

    def __init__(self, limits: Limits | None = None, **kwargs):
        super().__init__(**kwargs)
        self.limits = limits or Limits()
        self.connections: set[asyncio.Task] = set()

    async def handler(self, reader, writer):
        """Serve one connection: environment, route, call. One coroutine frame (not a
        handler awaiting a _serve): every AGI reply resumes each frame above the read."""
        task = asyncio.current_task()
        self.connections.add(task)
        bound_reads(writer.transport, self.limits.env_max_bytes)
        request = None
        try:
            try:
                headers = await read_environment(reader, self.limits)
            except (HandshakeError, TimeoutError, ConnectionError) as exc:
                log.warning("FastAGI peer %s dropped during handshake: %s",
                            writer.get_extra_info("peername"), exc or type(exc).__name__)
                return
            script = headers.get("agi_network_script", "").split("?", 1)[0].strip("/")
            route = self._route.get(script)
            if route is None:
                log.error("FastAGI call %s: no route for %r", headers.get("agi_uniqueid"), script)
                return
            request = AgiRequest(app=self, headers=headers, reader=reader, writer=writer,
                                 encoding=self.default_encoding,
                                 read_timeout=self.limits.read_timeout)
            try:
                await route(request)
            except Exception:  # noqa: BLE001 — one call's bug must not end the server
                log.exception("FastAGI call %s: route %r failed",
                              headers.get("agi_uniqueid"), script)
        finally:
            if request is not None:
                request.close()
            self.connections.discard(task)
            writer.close()


@dataclass
class IvrService:
    """The menus, the directory and how to run them: what the FastAGI routes need."""

    directory: IvrDirectory
    menus: dict[str, object] = field(default_factory=dict)
    clock: Callable | None = None
    on_outcome: Callable[[str, CallOutcome], None] | None = None
    lookup_timeout: float = 2.0
    lookup_workers: int = LOOKUP_WORKERS
    executor: ThreadPoolExecutor | None = None

    def __post_init__(self):
        for name in ("hotline", "survey"):
            self.menus.setdefault(name, load_builtin(name))
        if self.executor is None:  # store calls run here, never on the event loop
            self.executor = ThreadPoolExecutor(self.lookup_workers, "ivr-directory")

    async def start(self) -> None:
        """Start what the directory runs beside the server (lookup processes), if anything."""
        start = getattr(self.directory, "start", None)
        if start is not None:
            await start()

    async def close(self) -> None:
        """Stop the lookup threads and processes."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        close = getattr(self.directory, "close", None)
        if close is not None:
            result = close()
            if asyncio.iscoroutine(result):
                await result

    def engine(self, name: str) -> Engine:
        """Build a call's engine; a blocking directory is fetched off the loop, per call."""
        directory = self.directory
        if getattr(directory, "blocking", True):
            directory = DeferredDirectory(directory, self.executor, self.lookup_timeout)
        kwargs = {"clock": self.clock} if self.clock else {}
        return Engine(self.menus[name], directory, **kwargs)

    async def run(self, name: str, request: AgiRequest) -> CallOutcome:
        info = call_info(request.headers)
        engine = self.engine(name)
        channel = AgiChannel(request, f"callcenter/{name}", info.channel_language or "zh")
        directory = engine.directory
        if isinstance(directory, DeferredDirectory) and (number := normalise_caller(info.caller)):
            # What engine.start asks first, fetched before it runs: it then runs once, not
            # once to find the question and again with the answer.
            await directory.fetch(("lookup_caller", (number,)))
        outcome = await run_call(engine, channel, info)
        log.info("FastAGI call %s on /%s ended: %s at %r", outcome.linkedid, name,
                 outcome.ended, outcome.node)
        if self.on_outcome:
            self.on_outcome(name, outcome)
        return outcome


def make_application(service: IvrService, limits: Limits | None = None) -> GuardedApplication:
    """Build the FastAGI application with its two routes; call inside the running loop."""
    app = GuardedApplication(limits, loop=asyncio.get_running_loop())

    # The service's run itself, not a wrapper coroutine awaiting it: one frame less per reply.
    app.add_route("hotline", partial(service.run, "hotline"))
    app.add_route("survey", partial(service.run, "survey"))
    return app


def parse_bind(bind: str) -> tuple[str, int]:
    """Split HOST:PORT (IPv6 in brackets) into its parts."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {bind!r}")
    return host.strip("[]"), int(port)


async def start_server(service: IvrService, bind: str, limits: Limits | None = None):
    """Start listening; return (asyncio.Server, application)."""
    app = make_application(service, limits)
    host, port = parse_bind(bind)
    await service.start()
    server = await asyncio.start_server(app.handler, host, port,
                                        limit=app.limits.line_max_bytes)
    return server, app


async def stop_server(server: asyncio.Server, app: GuardedApplication) -> None:
    """Stop accepting, then end the calls still connected."""
    server.close()
    for task in list(app.connections):
        task.cancel()
    await asyncio.gather(*app.connections, return_exceptions=True)
    await server.wait_closed()
