"""A PBX simulator that speaks real AMI over TCP: for `serve --demo` and for the tests.

>>> # sim = PBXSimulator(queues={"hotline": ["8001", "8002"]}, speed=20)
>>> # port = await sim.start(); sim.start_scenario("answered"); ...; await sim.stop()
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from typing import Any, Mapping

from integrations.ami.client import encode_action
from integrations.ami.framing import AMIFramer
from integrations.ami.simulator import flows
from integrations.ami.simulator.actions import ACTIONS, error, ok
from integrations.ami.simulator.pbx import SimCall, SimPBX
from integrations.ami.simulator.scenarios import SCENARIOS, run_mix

log = logging.getLogger(__name__)
BANNER = b"Asterisk Call Manager/5.0.2\r\n"
DEFAULT_QUEUES = {"hotline": ["8001", "8002"], "complaint": ["8002"], "care": ["8003"]}


class Session:
    """One AMI client connection."""

    def __init__(
        self, sim: PBXSimulator, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.sim, self.reader, self.writer = sim, reader, writer
        self.logged_in = False
        self.events_on = False
        self.challenge: str | None = None

    def send(self, frame: Mapping[str, Any]) -> None:
        if not self.writer.is_closing():
            self.writer.write(encode_action(frame))

    async def run(self) -> None:
        self.writer.write(BANNER)
        framer = AMIFramer()
        try:
            while data := await self.reader.read(65536):
                for frame in framer.feed(data):
                    if not self.sim.stalled:
                        self.handle(frame.headers)
                if self.writer.is_closing():
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.sim.sessions.discard(self)
            self.writer.close()

    def handle(self, action: Mapping[str, str]) -> None:
        name = action.get("Action", "").lower()
        replies = self._dispatch(name, action)
        action_id = action.get("ActionID")
        for reply in replies:
            self.send({**reply, "ActionID": action_id} if action_id else reply)
        if name == "login" and self.logged_in:
            self.send(
                {
                    "Event": "FullyBooted",
                    "Privilege": "system,all",
                    "Uptime": 7,
                    "LastReload": 7,
                    "Status": "Fully Booted",
                }
            )
        if name == "logoff":
            self.writer.close()

    def _dispatch(self, name: str, a: Mapping[str, str]) -> list[dict[str, Any]]:
        if name == "challenge":
            self.challenge = str(random.randrange(10**8, 10**9))
            return [{"Response": "Success", "Challenge": self.challenge}]
        if name == "login":
            return self._login(a)
        if name == "logoff":
            return [{"Response": "Goodbye", "Message": "Thanks for all the fish."}]
        if not self.logged_in:
            return error("Authentication Required")
        handler = ACTIONS.get(name)
        return handler(self.sim, self, a) if handler else error("Invalid/unknown command")

    def _login(self, a: Mapping[str, str]) -> list[dict[str, Any]]:
        sim = self.sim
        if a.get("AuthType", "").lower() == "md5":
            expected = hashlib.md5(((self.challenge or "") + sim.secret).encode()).hexdigest()
            good = self.challenge is not None and a.get("Key") == expected
        else:
            good = a.get("Secret") == sim.secret
        if a.get("Username") != sim.username or not good:
            return error("Authentication failed")
        self.logged_in = True
        self.events_on = a.get("Events", "on").lower() != "off"
        sim.sessions.add(self)
        return ok("Authentication accepted")


class PBXSimulator:
    """Programmatic API: start/stop, scenarios, answer(extension), drop/stall, trace replay."""

    def __init__(
        self,
        *,
        username: str = "callcenter",
        secret: str = "sim-secret",
        queues: Mapping[str, list[str]] | None = None,
        wrapup: Mapping[str, int] | None = None,
        speed: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.username, self.secret, self.host, self.port = username, secret, host, port
        self.pbx = SimPBX(dict(queues or DEFAULT_QUEUES), dict(wrapup or {}), speed)
        self.pbx.listeners.append(self._broadcast)
        self.sessions: set[Session] = set()
        self.stalled = False
        self.accepting = True
        self.scripts: dict[str, asyncio.Task] = {}
        self._tasks: set[asyncio.Task] = set()
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@{self.host}:{self.port}"

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("PBX simulator listening on %s:%s", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        for task in list(self._tasks) + list(self.scripts.values()):
            task.cancel()
        await asyncio.gather(*self._tasks, *self.scripts.values(), return_exceptions=True)
        self.drop_connections()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:  # the PBX is down: connections are refused at once
            writer.transport.abort()
            return
        await Session(self, reader, writer).run()

    def _broadcast(self, frame: Mapping[str, Any]) -> None:
        if self.stalled:
            return
        data = encode_action(frame)
        for session in list(self.sessions):
            if session.events_on and not session.writer.is_closing():
                session.writer.write(data)

    # -- control of the "PBX" ----------------------------------------------------------
    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def drop_connections(self) -> None:
        """A TCP reset / PBX restart as the bridge sees it: every AMI socket closes."""
        for session in list(self.sessions):
            session.writer.transport.abort()
        self.sessions.clear()

    def stall(self, on: bool = True) -> None:
        """Half-open peer: keep the sockets but answer nothing and send nothing."""
        self.stalled = on

    def start_scenario(self, scenario: str, /, **kwargs: Any) -> asyncio.Task:
        """Play one scripted call (scenarios.SCENARIOS); kwargs tune it (number, name, wait…)."""
        return self.spawn(SCENARIOS[scenario](self.pbx, **kwargs))

    def run_mix(
        self,
        rate: float,
        count: int | None = None,
        mix: dict[str, float] | None = None,
        seed: int = 1,
    ) -> asyncio.Task:
        return self.spawn(run_mix(self.pbx, rate, count, mix, seed))

    def replay(self, path: str) -> asyncio.Task:
        """Play a recorded trace (`*.ami.txt` or JSON) with fresh ids and the current time."""
        from integrations.ami.simulator.trace import replay_trace

        return self.spawn(replay_trace(self.pbx, path, self._broadcast))

    def restart(self) -> None:
        """PBX restart: every call is gone and every AMI socket drops."""
        for task in list(self._tasks):
            task.cancel()
        self.pbx.channels.clear()
        self.pbx.calls.clear()
        for waiting in self.pbx.queues.values():
            waiting.clear()
        for m in self.pbx.members.values():
            m.in_call = m.ringing = False
            m.status = 1
        self.drop_connections()

    def answer(self, extension: str) -> bool:
        """The agent picks up: a call ringing `extension` (interactive/demo mode) is answered."""
        for call in list(self.pbx.calls.values()):
            if extension in call.legs and call.connected != extension:
                call.answer_now.set()
                return True
        return False

    def call_of(self, channel: str) -> SimCall | None:
        for call in self.pbx.calls.values():
            if channel in (call.caller.name, *(leg.name for leg in call.legs.values())):
                return call
        return None

    def cancel_script(self, call: SimCall) -> None:
        for task in list(self._tasks):
            if getattr(task, "sim_call", None) is call:
                task.cancel()

    # -- actions with consequences ----------------------------------------------------------
    async def originate(self, ext: str, a: Mapping[str, str]) -> None:
        """Click-to-dial: ring the agent's phone first, then the resident (or start ChanSpy)."""
        pbx = self.pbx
        call = flows.start_call(pbx, ext, ext, a.get("Exten", ""), device=ext)
        pbx.emit("DialBegin", DialString=ext, **pbx.fields(call.caller, "Dest"))
        pbx.set_state(call.caller, 5)
        pbx.set_member(ext, ringing=True, status=6)
        call.legs[ext] = call.caller  # lets answer(ext) pick it up
        answered = await flows.wait_for_answer(pbx, call, 1.0)
        call.legs.pop(ext, None)
        pbx.set_member(ext, ringing=False, status=1)
        if not answered:
            pbx.emit("OriginateResponse", Response="Failure", Reason=3, **pbx.fields(call.caller))
            flows.teardown(pbx, call, by="system", cause=19)
            return
        pbx.set_state(call.caller, 6)
        pbx.emit("DialEnd", DialStatus="ANSWER", **pbx.fields(call.caller, "Dest"))
        pbx.emit("OriginateResponse", Response="Success", Reason=4, **pbx.fields(call.caller))
        if (a.get("Application") or "").lower() == "chanspy":
            pbx.emit("ChanSpyStart", **pbx.fields(call.caller, "Spyer"))
            await pbx.sleep(30)
            flows.teardown(pbx, call, by="system")
            return
        resident = a.get("Exten", "")
        leg = pbx.new_channel(
            "trunk", resident, "", resident, "from-internal", call.caller.linkedid, 0
        )
        call.legs[resident] = leg
        pbx.emit(
            "DialBegin", DialString=resident, **pbx.fields(call.caller), **pbx.fields(leg, "Dest")
        )
        await pbx.sleep(2.0)
        flows.connect(pbx, call, resident, queued=False)
        pbx.set_member(ext, in_call=True, status=2)
        await pbx.sleep(20)
        flows.teardown(pbx, call, by="caller")
        pbx.set_member(ext, in_call=False, status=1, last_call=int(pbx.now()))

    async def redirect(self, call: SimCall, target: str) -> None:
        """Transfer the resident to a queue (by name) or an extension."""
        pbx = self.pbx
        self.cancel_script(call)
        flows.end_talk(pbx, call, "transfer")
        for ext in list(call.legs):
            flows.stop_ringing(pbx, call, ext)
        flows.leave_queue(pbx, call)
        self._tag(call)
        if target in pbx.queues:
            flows.enqueue(pbx, call, target)
            from integrations.ami.simulator.scenarios import _queue_until_agent

            ext = await _queue_until_agent(pbx, call, [(2.5, True)], 60)
        else:
            flows.ring(pbx, call, target, queued=False)
            ext = target if await flows.wait_for_answer(pbx, call, 2.5) else None
            if ext:
                flows.connect(pbx, call, ext, queued=False)
        await pbx.sleep(10)
        flows.teardown(pbx, call, by="caller" if ext else "system")

    def _tag(self, call: SimCall) -> None:
        task = asyncio.current_task()
        if task is not None:
            task.sim_call = call  # type: ignore[attr-defined]
