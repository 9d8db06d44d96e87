"""Asterisk's side of FastAGI over a real socket, and the IVR server on a background loop."""
from __future__ import annotations

import asyncio
import re
import select
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.fastagi import IvrService, Limits, start_server, stop_server

# A Friday morning: the hotline is staffed (the hours node's open branch).
OPEN_HOURS = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WELL_FORMED = re.compile(
    r'^(ANSWER|HANGUP|GET DATA [\w/]+ \d+ \d+|STREAM FILE [\w/]+ ""( 0)?|SAY DIGITS "?\d+"? ""'
    r'|SAY NUMBER "?-?\d+"? ""|SAY DATETIME "?\d+"? "" "[^"]*" [\w/]+'
    r'|SET VARIABLE "?[\w()]+"? "(?:[^"\\]|\\.)*")$')


def environment(uniqueid: str = "1795865089.1", callerid: str = "13800138000",
                script: str = "hotline", **extra: str) -> list[str]:
    """An AGI environment block as Asterisk 18+ sends it (keys in Asterisk's order)."""
    env = {"agi_network": "yes", "agi_network_script": script,
           "agi_request": f"agi://127.0.0.1:4573/{script}", "agi_channel": "PJSIP/trunk-0000",
           "agi_language": "zh", "agi_type": "PJSIP", "agi_uniqueid": uniqueid,
           "agi_version": "20.0.0", "agi_callerid": callerid, "agi_calleridname": "张三",
           "agi_context": "hotline", "agi_extension": "12345", "agi_priority": "3",
           "agi_enhanced": "0.0", "agi_accountcode": "", "agi_threadid": "1"}
    env.update(extra)
    return [f"{k}: {v}" for k, v in env.items()]


@dataclass
class Session:
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    after_hangup: list[str] = field(default_factory=list)
    pipelined: bool = False
    closed: bool = False


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def reply_to(command: str, digits: list[str], s: Session) -> str:
    """Answer one AGI command as Asterisk would, taking keys from `digits`."""
    if command.startswith("GET DATA") or command.startswith("WAIT FOR DIGIT"):
        return f"200 result={digits.pop(0)}" if digits else "200 result= (timeout)"
    if command.startswith("STREAM FILE"):
        return "200 result=0 endpos=8000"
    if command.startswith("SET VARIABLE"):
        _, _, name, value = command.split(" ", 3)
        s.variables[name.strip('"')] = _unquote(value)
        return "200 result=1"
    if command.split(" ")[0] in {"SAY", "ANSWER", "HANGUP"}:
        return "200 result=0" if command != "HANGUP" else "200 result=1"
    return "510 Invalid or unknown command"


class AsteriskPeer:
    """Connect, send the environment, then answer each command as Asterisk would."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_env(self, lines: list[str]) -> None:
        self.send(("\n".join(lines) + "\n\n").encode())

    def read_line(self) -> str | None:
        """Return the next line the server sent, or None once it has closed."""
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def pending(self) -> bool:
        """Say whether the server sent more before we answered (it must wait for each reply)."""
        return bool(self.buffer) or bool(select.select([self.sock], [], [], 0)[0])

    def run(self, digits: list[str] | None = None, hangup_at: int | None = None) -> Session:
        """Answer commands until the server closes; hang up at command number `hangup_at`."""
        digits, s = list(digits or []), Session()
        while (command := self.read_line()) is not None:
            if s.pipelined is False and self.pending() and hangup_at is None:
                s.pipelined = True
            if hangup_at is not None and len(s.commands) >= hangup_at:
                if len(s.commands) == hangup_at:
                    s.commands.append(command)
                    self.send(b"200 result=-1\nHANGUP\n")
                else:
                    s.after_hangup.append(command)
                    self.send(b"511 Command Not Permitted on a dead channel or intercepted channel\n")
                continue
            s.commands.append(command)
            self.send((reply_to(command, digits, s) + "\n").encode())
        s.closed = True
        return s

    def close(self) -> None:
        self.sock.close()


class ServerThread:
    """The FastAGI server on its own event loop in a thread, on a free loopback port."""

    def __init__(self, service: IvrService, limits: Limits | None = None):
        self.service, self.limits = service, limits
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server, self.app = self.loop.run_until_complete(
            start_server(self.service, "127.0.0.1:0", self.limits))
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("FastAGI server did not start")
        return self

    def __exit__(self, *exc) -> None:
        fut = asyncio.run_coroutine_threadsafe(stop_server(self.server, self.app), self.loop)
        fut.result(10)
        asyncio.run_coroutine_threadsafe(self.service.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        if self.service.executor:
            self.service.executor.shutdown(wait=True)

    def peer(self, timeout: float = 10.0) -> AsteriskPeer:
        return AsteriskPeer(self.port, timeout)


def serve(directory, timeout: float = 2.0):
    """A FastAGI server over `directory` in open hours, and the outcomes it records by linkedid."""
    outcomes = {}
    service = IvrService(directory=directory, clock=lambda: OPEN_HOURS, lookup_timeout=timeout,
                         on_outcome=lambda route, o: outcomes.__setitem__(o.linkedid, o))
    return ServerThread(service), outcomes


def call(server, digits, **env):
    """One call: the AGI environment, then the menu keyed with `digits`."""
    peer = server.peer()
    try:
        peer.send_env(environment(**env))
        return peer.run(digits)
    finally:
        peer.close()
