"""One AMI session over asyncio streams: banner, login, actions by ActionID, ordered events.

Why not panoramisk's Manager: see docs/decisions/0001-ami-client.md. In short, every
defect listed in issue 4 sits in the Manager/protocol pair, so this replaces them:
frames are cut from bytes (framing.py), events go in stream order into one bounded
queue (the reader waits when it is full: TCP backpressure, no task per event), a
Ping without a reply in time closes the session, and nothing is re-sent after a
reconnect.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from integrations.ami.framing import AMIFramer, Frame, OddFrames, describe

log = logging.getLogger(__name__)
# Bytes per recv. CPython's selector transport asks for 256 KiB, above glibc malloc's mmap
# threshold (128 KiB), so every read — one burst of a few frames — cost an mmap, an mremap
# and an munmap on the bridge's thread (strace of 1,000 small reads: 3,112 such calls; with
# 64 KiB, 110 in all; found on the FastAGI server, ivr/fastagi.py bound_reads). 64 KiB still
# takes a busy PBX's backlog in few reads.
READ_SIZE = 65536


class AMIError(Exception):
    code = "ami_error"


class AMIConnectionLost(AMIError):
    code = "pbx_disconnected"


class AMIAuthError(AMIError):
    code = "pbx_auth_failed"


class AMIActionError(AMIError):
    """The PBX answered `Response: Error`; `message` is its own explanation."""

    code = "pbx_action_failed"


@dataclass(frozen=True)
class AMIConfig:
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = ""
    secret: str = field(default="", repr=False)
    auth: str = "plain"
    connect_timeout: float = 5.0
    action_timeout: float = 10.0
    ping_interval: float = 10.0
    ping_timeout: float = 5.0
    queue_size: int = 1000


def parse_ami_url(url: str, **overrides: Any) -> AMIConfig:
    """`ami://user:secret@host:5038?auth=md5&ping_interval=10` → AMIConfig."""
    parts = urlsplit(url)
    if parts.scheme not in ("ami", "tcp"):
        raise ValueError("AMI_URL must look like ami://user:secret@host:5038")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    values: dict[str, Any] = dict(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5038,
        username=unquote(parts.username or ""),
        secret=unquote(parts.password or ""),
    )
    if "auth" in query:
        values["auth"] = query.pop("auth")
    for key in ("connect_timeout", "action_timeout", "ping_interval", "ping_timeout"):
        if key in query:
            values[key] = float(query.pop(key))
    values.update(overrides)
    return AMIConfig(**values)


def encode_action(action: Mapping[str, Any]) -> bytes:
    """Serialise an action; list values repeat the header (Variable: a=1, Variable: b=2)."""
    lines = []
    for key, value in action.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            text = str(item)
            if "\r" in text or "\n" in text or "\r" in key or "\n" in key:
                raise ValueError(f"AMI header {key!r} may not contain a line break")
            lines.append(f"{key}: {text}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


@dataclass
class _Pending:
    future: asyncio.Future
    is_list: bool = False
    ordered: bool = False
    tag: str = ""
    items: list[dict[str, str]] = field(default_factory=list)


class AMIConnection:
    """A logged-in session; events land in `inbox` as ("event", headers, received_us).

    After an AgentCalled frame the reader yields, so the bridge folds it and sends the
    screen-pop before the rest of the read is parsed; `mid_read` says it will go on, and
    ("read_done", …) follows when it has."""

    _ids = itertools.count(1)

    def __init__(
        self, config: AMIConfig, inbox: asyncio.Queue, odd: OddFrames | None = None, clock=time.time
    ) -> None:
        self.config = config
        self.inbox = inbox
        self.odd = odd if odd is not None else OddFrames()
        self.clock = clock
        self.banner: str | None = None
        self.closed: asyncio.Future | None = None
        self.backpressured = False
        self._pending: dict[str, _Pending] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task] = []
        self._last_rx = 0.0
        self.framer: AMIFramer | None = None
        self.mid_read = False  # the reader paused inside a read (after an AgentCalled frame)

    # -- life cycle ----------------------------------------------------------------
    async def open(self) -> None:
        cfg = self.config
        self.closed = asyncio.get_running_loop().create_future()
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(cfg.host, cfg.port), cfg.connect_timeout
        )
        transport = self._writer.transport
        if getattr(transport, "max_size", 0) > READ_SIZE:
            transport.max_size = READ_SIZE  # see READ_SIZE
        from integrations.ami.fold import skippable_events

        framer = self.framer = AMIFramer(
            self.odd, expect_banner=True, skip_events=skippable_events()
        )
        self._tasks = [asyncio.create_task(self._read_loop(framer), name="ami-reader")]
        try:
            await self._login()
        except BaseException:
            await self.close("login failed")
            raise
        self.banner = framer.banner
        self._tasks.append(asyncio.create_task(self._ping_loop(), name="ami-ping"))
        log.info("AMI logged in to %s:%s as %s (%s)", cfg.host, cfg.port, cfg.username, self.banner)

    async def _login(self) -> None:
        cfg = self.config
        action: dict[str, Any] = {"Action": "Login", "Username": cfg.username, "Events": "on"}
        if cfg.auth == "md5":
            challenge = await self.send({"Action": "Challenge", "AuthType": "MD5"})
            key = hashlib.md5((challenge.get("Challenge", "") + cfg.secret).encode()).hexdigest()
            action.update(AuthType="MD5", Key=key)
        else:
            action["Secret"] = cfg.secret
        try:
            await self.send(action)
        except AMIActionError as exc:
            raise AMIAuthError(f"AMI login refused for {cfg.username!r}: {exc}") from None

    async def close(self, reason: str = "closed") -> None:
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(reason)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(AMIConnectionLost(f"AMI connection lost: {reason}"))
        self._pending.clear()
        if self._writer is not None:
            self._writer.close()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        await asyncio.gather(*(t for t in self._tasks if t is not current), return_exceptions=True)

    # -- actions -------------------------------------------------------------------
    def submit(
        self,
        action: Mapping[str, Any],
        *,
        is_list: bool = False,
        ordered: bool = False,
        tag: str = "",
    ) -> asyncio.Future:
        """Write an action now; the future gets its response (or list of events)."""
        if self._writer is None or self.closed is None or self.closed.done():
            raise AMIConnectionLost("AMI is not connected")
        action_id = f"cc-{action.get('Action', 'x').lower()}-{next(self._ids)}"
        future = asyncio.get_running_loop().create_future()
        self._pending[action_id] = _Pending(future, is_list, ordered, tag)
        self._writer.write(encode_action({**action, "ActionID": action_id}))
        return future

    async def send(
        self, action: Mapping[str, Any], *, is_list: bool = False, timeout: float | None = None
    ) -> Any:
        future = self.submit(action, is_list=is_list)
        try:
            return await asyncio.wait_for(future, timeout or self.config.action_timeout)
        except asyncio.TimeoutError:
            raise AMIActionError(
                f"{action.get('Action')}: no answer from the PBX in time"
            ) from None

    # -- reading -------------------------------------------------------------------
    async def _read_loop(self, framer: AMIFramer) -> None:
        reason = "connection closed by the PBX"
        try:
            while True:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    break
                self._last_rx = self.clock()
                received = int(self._last_rx * 1_000_000)
                paused, self.mid_read = False, True
                for frame in framer.feed_lazily(data):
                    await self._route(frame, received)
                    if frame.headers.get("Event") == "AgentCalled":
                        paused = True
                        await asyncio.sleep(0)  # the bridge pops it before the rest is parsed
                self.mid_read = False
                if paused:  # the bridge left its end-of-read work (queue snapshots) for this
                    await self._put(("read_done", {}, received, ""))
        except (ConnectionError, OSError) as exc:
            reason = f"connection error: {exc}"
        except asyncio.CancelledError:
            return
        await self.close(reason)

    async def _route(self, frame: Frame, received: int) -> None:
        headers = frame.headers
        pending = self._pending.get(headers.get("ActionID", ""))
        if pending is None:
            if "Event" in headers:
                await self._put(("event", headers, received, ""))
            elif headers.get("Response") != "Goodbye":
                self.odd.note("unsolicited_response", describe(headers))
            return
        if pending.ordered:
            await self._put(("list", headers, received, pending.tag))
        if self._finishes(pending, headers):
            self._pending.pop(headers["ActionID"], None)

    def _finishes(self, pending: _Pending, headers: dict[str, str]) -> bool:
        future = pending.future
        if future.done():
            return True
        if headers.get("Response") == "Error":
            future.set_exception(AMIActionError(headers.get("Message") or "error"))
            return True
        if not pending.is_list:
            future.set_result(headers)
            return True
        if "Event" in headers and headers.get("EventList") != "Complete":
            pending.items.append(headers)
            return False
        if (
            headers.get("EventList") == "Complete"
            or headers.get("Response") == "Success"
            and headers.get("EventList") != "start"
        ):
            future.set_result(pending.items)
            return True
        return False

    async def _put(self, item: tuple) -> None:
        if self.inbox.full():
            self.backpressured = True
        await self.inbox.put(item)
        self.backpressured = False

    async def _ping_loop(self) -> None:
        """Close the session when a Ping goes unanswered (panoramisk never notices)."""
        cfg = self.config
        while True:
            await asyncio.sleep(cfg.ping_interval)
            sent = self.clock()
            try:
                await self.send({"Action": "Ping"}, timeout=cfg.ping_timeout)
            except AMIConnectionLost:
                return
            except AMIActionError:
                if self.backpressured or self.mid_read or self._last_rx > sent:
                    # we are the slow side (inbox full, or still folding a read's frames:
                    # the answer is queued behind them), or data still flows: the peer is alive
                    continue
                log.warning("AMI ping unanswered for %.1fs: reconnecting", cfg.ping_timeout)
                await self.close("ping timeout")
                return
