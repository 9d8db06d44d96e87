"""The CallChannel a transport implements, and the loop that runs the engine over it."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ivr.directory import DirectoryDeferred
from ivr.engine import Engine
from ivr.steps import CallInfo, Date, Digits, Number, Prompt, Queue, SetVar, State, Step

log = logging.getLogger(__name__)
MAX_FETCHES = 20  # directory answers one step may need; a bound, not a tuning knob


class CallerHungUp(Exception):
    """Raised by a channel once the caller is gone: send no more commands."""

    code = "caller_hung_up"


class CallChannel(Protocol):
    """A live call as the engine sees it; every method raises CallerHungUp after a hang-up."""

    async def answer(self) -> None: ...

    async def play(self, prompt: Prompt) -> None: ...

    async def read_digits(self, prompt: Prompt, timeout: float, max_digits: int) -> str: ...

    async def say_digits(self, digits: str) -> None: ...

    async def say_number(self, number: int) -> None: ...

    async def say_date(self, when: datetime) -> None: ...

    async def set_variable(self, name: str, value: str) -> None: ...

    async def hangup(self) -> None: ...


@dataclass
class CallOutcome:
    """How a call left the IVR: queued, ended by the menu, or the caller hung up."""

    linkedid: str
    ended: str  # "queued" | "hangup" | "caller_hangup"
    node: str
    path: str
    variables: dict[str, str] = field(default_factory=dict)
    fault: str | None = None


# How each action is spoken: a call returning the channel's awaitable, awaited in run_call
# itself (a `perform` coroutine between them would be one more frame every reply resumes).
SPEAK = {
    Prompt: lambda channel, a: channel.play(a),
    Digits: lambda channel, a: channel.say_digits(a.value),
    Number: lambda channel, a: channel.say_number(a.value),
    Date: lambda channel, a: channel.say_date(a.value),
    SetVar: lambda channel, a: channel.set_variable(a.name, a.value),
}


async def _finish(channel: CallChannel, step: Step) -> CallOutcome:
    st = step.state
    if isinstance(step.end, Queue):
        for name, value in step.end.variables.items():
            await channel.set_variable(name, value)
        return CallOutcome(st.linkedid, "queued", st.node, "-".join(st.path),
                           dict(step.end.variables), step.fault)
    await channel.hangup()
    return CallOutcome(st.linkedid, "hangup", st.node, "-".join(st.path), fault=step.fault)


async def engine_call(fn, *args) -> Step:
    """Run one engine step; when it needs the store, fetch off the loop and run it again."""
    for _ in range(MAX_FETCHES):
        try:
            return fn(*args)
        except DirectoryDeferred as need:
            await need.directory.fetch(need.key)
    raise RuntimeError(f"engine step still needs the directory after {MAX_FETCHES} fetches")


async def run_call(engine: Engine, channel: CallChannel, call: CallInfo, *,
                   answer: bool = False) -> CallOutcome:
    """Drive one call to its end; a channel or engine error still tries to queue the caller."""

    step = Step(State(menu=engine.menu.name, linkedid=call.linkedid,
                      lang=engine.menu.default_language))
    try:
        step = await engine_call(engine.start, call)
        if answer:
            await channel.answer()
        while True:
            for action in step.actions:
                await SPEAK[type(action)](channel, action)
            if step.end is not None:
                return await _finish(channel, step)
            g = step.gather
            digits = await channel.read_digits(g.prompt, g.timeout, g.max_digits)
            step = await engine_call(engine.resume, step.state, digits)
    except CallerHungUp:
        st = step.state
        log.info("call %s: caller hung up in the IVR at node %r", st.linkedid, st.node)
        return CallOutcome(st.linkedid, "caller_hangup", st.node, "-".join(st.path))
    except Exception as exc:  # noqa: BLE001 — the transport failed; still try to queue
        fault = engine.fault(step.state, exc)
        try:
            return await _finish(channel, fault)
        except CallerHungUp:
            st = step.state
            return CallOutcome(st.linkedid, "caller_hangup", st.node, "-".join(st.path),
                               fault=fault.fault)
