"""Store lookups in a child process, asked over its stdin/stdout like AGI itself.

The FastAGI server then has no second thread: a lookup thread and the event loop hand the
GIL back and forth several times per query (sqlite3 releases it around every step), and
under load each hand-over waits for the loop's switch interval — measured as ~100 ms of
call set-up and ~0.7 ms of CPU per call (docs/decisions/0009-ivr-lookup-process.md).
Over a pipe the loop pays one write and one read per question, and a dead, stuck or
missing child costs the lookup timeout and a call queued to a person, never the loop.

Frames both ways: 4-byte big-endian length, then a pickle — (id, question, args) in,
(id, ok, answer or error text) out. Pickle is safe here: both ends are this program,
the pipes are private to the pair.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import pickle
import struct
import sys
import time

from ivr.directory import DirectoryError
from ivr.fastagi import bound_reads

log = logging.getLogger(__name__)
FRAME = struct.Struct("!I")
QUESTIONS = frozenset({"lookup_caller", "caller_context", "ticket_status", "record_survey"})
MAX_FRAME = 1 << 20  # an answer is a few residents and tickets; more means a broken child
READ_SIZE = 65536  # per read of the child's answers; below malloc's mmap threshold
RESPAWN_AFTER = 1.0  # seconds between starts, so a child that cannot start is not a fork bomb


class LookupChild(asyncio.SubprocessProtocol):
    """One child process and the questions waiting on it.

    Answers are parsed in the pipe's data callback and set on the waiting futures right
    there: a reader task would add a loop turn to every lookup, and under load each turn
    of a busy loop is milliseconds of a caller's set-up.
    """

    def __init__(self):
        self.pending: dict[int, asyncio.Future] = {}
        self.buffer = bytearray()
        self.transport: asyncio.SubprocessTransport | None = None
        self.ended = asyncio.get_running_loop().create_future()  # set when the process exits
        self.closed = False

    @property
    def alive(self) -> bool:
        return not self.closed

    def connection_made(self, transport) -> None:
        self.transport = transport
        # Answers are a few hundred bytes: no 256 KiB (mmap'd) buffer per read of the pipe.
        bound_reads(transport.get_pipe_transport(1), READ_SIZE)

    def send(self, rid: int, name: str, args: tuple) -> asyncio.Future:
        body = pickle.dumps((rid, name, args), pickle.HIGHEST_PROTOCOL)
        future = asyncio.get_running_loop().create_future()
        self.pending[rid] = future
        self.transport.get_pipe_transport(0).write(FRAME.pack(len(body)) + body)
        return future

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        buf = self.buffer
        buf += data
        while len(buf) >= FRAME.size and not self.closed:
            (size,) = FRAME.unpack_from(buf)
            if size > MAX_FRAME:
                return self.end(f"lookup process sent a {size}-byte frame")
            if len(buf) < FRAME.size + size:
                return
            body = bytes(buf[FRAME.size:FRAME.size + size])
            del buf[:FRAME.size + size]
            try:
                rid, ok, value = pickle.loads(body)
            except Exception as exc:  # noqa: BLE001 — a garbled answer ends this child only
                return self.end(f"lookup process answer unreadable: {type(exc).__name__}")
            future = self.pending.pop(rid, None)
            if future is not None and not future.done():
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(DirectoryError(value))

    def pipe_connection_lost(self, fd: int, exc) -> None:
        if fd == 1:
            self.end("lookup process ended")

    def process_exited(self) -> None:
        self.end("lookup process ended")
        if not self.ended.done():
            self.ended.set_result(self.transport.get_returncode())
        asyncio.get_running_loop().call_soon(self.transport.close)  # its pipes, once drained

    def end(self, reason: str) -> None:
        """Fail every waiting question with `reason` and stop the child."""
        self.closed = True
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(DirectoryError(reason))
        if self.transport is not None and self.transport.get_returncode() is None:
            try:
                self.transport.kill()
            except ProcessLookupError:
                pass


class LookupProcesses:
    """An async directory: `ask(question, *args)` answered by StoreDirectory in a child.

    `env` is the child's environment (it builds its directory from DATABASE_URL there);
    `command` runs the child (default: this module).
    Children start on `start()` or the first question and again, at most once per
    RESPAWN_AFTER, after one dies; a question goes to the child with the fewest waiting,
    so one slow query holds only the questions queued behind it on that child.
    """

    def __init__(self, env: dict[str, str], processes: int = 1,
                 command: list[str] | None = None):
        self.env, self.size = env, processes
        self.command = command or [sys.executable, "-m", "ivr.lookup_process"]
        self.children: list[LookupChild | None] = [None] * processes
        self._started: list[float] = [0.0] * processes
        self._ids = itertools.count(1)
        self._spawning: dict[int, asyncio.Task] = {}
        self.starts = 0  # children started so far (a restart is logged)

    async def start(self, timeout: float = 30.0) -> None:
        """Start the children and wait until each has answered once (imports, database).

        A child that cannot answer yet is logged, not raised: calls meanwhile go to a person.
        """
        async def warm(i: int) -> None:
            child = await self._child(i)
            await child.send(next(self._ids), "lookup_caller", ("",))

        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*(warm(i) for i in range(self.size)))
        except (DirectoryError, TimeoutError) as exc:
            log.warning("lookup process not ready: %s", exc or type(exc).__name__)

    async def _spawn(self, i: int) -> LookupChild:
        self._started[i] = time.monotonic()
        self.starts += 1
        if self.children[i] is not None:
            log.warning("lookup process %d ended (exit %s): starting it again", i,
                        self.children[i].transport.get_returncode())
        _, child = await asyncio.get_running_loop().subprocess_exec(
            LookupChild, *self.command, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=None, env=self.env)
        self.children[i] = child
        return child

    def _respawn(self, i: int) -> asyncio.Task:
        """Start child i again (once at a time; not sooner than RESPAWN_AFTER since the last)."""
        if i not in self._spawning:
            if time.monotonic() - self._started[i] < RESPAWN_AFTER:
                raise DirectoryError("lookup process restarting")
            task = asyncio.get_running_loop().create_task(self._spawn(i))
            task.add_done_callback(lambda _t: self._spawning.pop(i, None))
            self._spawning[i] = task
        return self._spawning[i]

    async def _child(self, i: int) -> LookupChild:
        child = self.children[i]
        if child is not None and child.alive:
            return child
        return await asyncio.shield(self._respawn(i))

    def _pick(self) -> LookupChild | None:
        """The live child with the fewest questions waiting; restart dead ones meanwhile."""
        live = []
        for i, child in enumerate(self.children):
            if child is not None and child.alive:
                live.append(child)
            elif live or any(c is not None and c.alive for c in self.children[i + 1:]):
                try:
                    self._respawn(i)
                except DirectoryError:
                    pass
        return min(live, key=lambda c: len(c.pending)) if live else None

    async def ask(self, name: str, *args):
        """Answer one question; DirectoryError when the child fails (the caller adds a timeout)."""
        if name not in QUESTIONS:
            raise DirectoryError(f"not a directory question: {name!r}")
        child = self._pick() or await self._child(0)
        try:
            future = child.send(next(self._ids), name, args)
        except (ConnectionError, RuntimeError, AttributeError) as exc:
            child.end("lookup process unreachable")
            raise DirectoryError(f"lookup process unreachable: {type(exc).__name__}") from None
        return await future

    async def close(self) -> None:
        for child in self.children:
            if child is not None:
                child.end("lookup processes closed")
                async with asyncio.timeout(5):
                    await child.ended


def serve(directory, stdin, stdout) -> None:
    """The child's loop: answer each framed question in turn until stdin closes."""
    read = stdin.read
    while len(head := read(FRAME.size)) == FRAME.size:
        (size,) = FRAME.unpack(head)
        rid, name, args = pickle.loads(read(size))
        try:
            if name not in QUESTIONS:
                raise ValueError(f"not a directory question: {name!r}")
            answer = (rid, True, getattr(directory, name)(*args))
        except Exception as exc:  # noqa: BLE001 — reported to the asking call, which queues
            log.warning("lookup %s failed: %s: %s", name, type(exc).__name__, exc)
            answer = (rid, False, f"{name} failed: {type(exc).__name__}")
        body = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        stdout.write(FRAME.pack(len(body)) + body)
        stdout.flush()


def main() -> None:
    """Child entry point: the store directory from the environment, answers on fd 1."""
    protocol = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answer stream
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from callcenter.config import Settings
    from ivr.wiring import make_store_directory

    directory = make_store_directory(Settings.from_env(os.environ), readers=1)
    directory.pin()  # one question at a time here
    serve(directory, sys.stdin.buffer, protocol)


if __name__ == "__main__":
    main()
