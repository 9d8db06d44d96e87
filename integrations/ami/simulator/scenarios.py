"""Scripted calls the simulator plays: one coroutine per scenario, plus a rate/mix runner."""

from __future__ import annotations

import asyncio
import random
from typing import Awaitable, Callable

from integrations.ami.simulator import flows
from integrations.ami.simulator.pbx import SimCall, SimPBX

CALLERS = [
    ("13800138000", "张三"),
    ("13912345678", "李秀英"),
    ("02087654321", "王建国"),
    ("13602001234", "赵桂兰"),
    ("15800001111", "刘洋"),
    ("18612345678", "陈静"),
    ("02155550123", "孙丽华"),
    ("13711112222", "周志强"),
]


def ivr_vars(queue: str = "hotline", intent: str = "service", path: str = "1") -> dict[str, str]:
    return {
        "CC_QUEUE": queue,
        "CC_PRIORITY": "5" if queue == "care" else "0",
        "CC_LANG": "zh",
        "CC_RESIDENT_ID": "",
        "CC_INTENT": intent,
        "CC_TICKET": "",
        "CC_IVR_PATH": path,
    }


def _caller(rng: random.Random, number: str | None, name: str | None) -> tuple[str, str]:
    if number:
        return number, name or ""
    return rng.choice(CALLERS)


async def _queue_until_agent(
    pbx: SimPBX, call: SimCall, rings: list[tuple[float | None, bool]], max_wait: float
) -> str | None:
    """Ring free members one after another as scripted: (seconds, answers?) per attempt."""
    deadline = pbx.now() + max_wait
    tried: set[str] = set()
    attempts = list(rings)
    while pbx.now() < deadline:
        free = pbx.free_members(call.queue or "", exclude=tried) or pbx.free_members(
            call.queue or ""
        )
        if not free:
            await pbx.sleep(0.5)
            continue
        ext = free[0].extension
        seconds, answers = attempts.pop(0) if attempts else (None, True)
        flows.ring(pbx, call, ext)
        if (
            await flows.wait_for_answer(pbx, call, seconds if answers else flows.RING_TIMEOUT)
            and answers
        ):
            flows.connect(pbx, call, ext)
            return ext
        flows.stop_ringing(pbx, call, ext, "NOANSWER", no_answer=True)
        tried.add(ext)
        await pbx.sleep(2)
    return None


async def queued_call(
    pbx: SimPBX,
    *,
    number: str | None = None,
    name: str | None = None,
    queue: str = "hotline",
    wait: float = 3.0,
    talk: float = 6.0,
    hangup_by: str = "caller",
    rings: list | None = None,
    max_wait: float = 60.0,
    seed: int | None = None,
    transfer: tuple[str, str] | None = None,
) -> SimCall:
    number, name = _caller(random.Random(seed), number, name)
    call = flows.start_call(pbx, number, name)
    await flows.ivr(pbx, call, ivr_vars(queue), 2.0)
    flows.enqueue(pbx, call, queue)
    ext = await _queue_until_agent(pbx, call, rings or [(wait, True)], max_wait)
    if ext is None:
        flows.leave_queue(pbx, call)
        flows.teardown(pbx, call, by="system")
        return call
    if transfer:
        await pbx.sleep(talk / 2)
        kind, to_ext = transfer
        if not to_ext or to_ext == ext:
            others = sorted({e for (_q, e) in pbx.members} - {ext})
            to_ext = others[0] if others else ext
        await (_attended(pbx, call, to_ext) if kind == "attended" else _blind(pbx, call, to_ext))
    await pbx.sleep(talk)
    flows.teardown(pbx, call, by=hangup_by)
    return call


async def _blind(pbx: SimPBX, call: SimCall, to_ext: str) -> None:
    flows.blind_transfer(pbx, call, to_ext)
    await pbx.sleep(1.5)
    flows.connect(pbx, call, to_ext, queued=False)


async def _attended(pbx: SimPBX, call: SimCall, to_ext: str) -> None:
    agent = call.legs[call.connected]
    consult = flows.start_call(pbx, agent.number, agent.caller_name, to_ext, device=agent.number)
    pbx.calls.pop(consult.caller.linkedid, None)
    target = flows.ring(pbx, consult, to_ext, queued=False)
    await pbx.sleep(1.5)
    flows.connect(pbx, consult, to_ext, queued=False)
    await pbx.sleep(2)
    pbx.emit(
        "AttendedTransfer",
        Result="Success",
        DestType="Bridge",
        IsExternal="No",
        OrigBridgeUniqueid=call.bridge,
        SecondBridgeUniqueid=consult.bridge,
        DestBridgeUniqueid=consult.bridge,
        **pbx.fields(agent, "OrigTransferer"),
        **pbx.fields(consult.caller, "SecondTransferer"),
    )
    flows.end_talk(pbx, call, "transfer")
    pbx.bridge_leave(consult.caller)
    pbx.bridge_enter(call.caller, consult.bridge)
    pbx.hangup(consult.caller)
    call.connected, call.bridge = to_ext, consult.bridge
    call.legs[to_ext] = target


async def abandoned_call(
    pbx: SimPBX,
    *,
    number: str | None = None,
    name: str | None = None,
    queue: str = "hotline",
    patience: float = 8.0,
    seed: int | None = None,
) -> SimCall:
    number, name = _caller(random.Random(seed), number, name)
    call = flows.start_call(pbx, number, name)
    await flows.ivr(pbx, call, ivr_vars(queue, "complaint", "3"), 2.0)
    flows.enqueue(pbx, call, queue)
    for member in pbx.free_members(queue):
        flows.ring(pbx, call, member.extension)
    await pbx.sleep(patience)
    flows.teardown(pbx, call, by="caller")
    return call


async def ivr_only_call(
    pbx: SimPBX,
    *,
    number: str | None = None,
    name: str | None = None,
    seconds: float = 3.0,
    seed: int | None = None,
) -> SimCall:
    number, name = _caller(random.Random(seed), number, name)
    call = flows.start_call(pbx, number, name)
    await flows.ivr(pbx, call, {}, seconds)
    flows.teardown(pbx, call, by="caller")
    return call


async def fax_call(
    pbx: SimPBX, *, number: str = "02155550100", pages: int = 2, seconds: float = 30.0, **_ignored
) -> SimCall:
    call = flows.start_call(pbx, number, "", "83001234")
    pbx.set_state(call.caller, 6)
    await pbx.sleep(seconds)
    station = "+86 21 5555 0100"
    pbx.emit(
        "ReceiveFAX",
        RemoteStationID=station,
        LocalStationID="83001234",
        PagesTransferred=pages,
        Resolution="8031x7700",
        TransferRate=14400,
        FileName="",
        **pbx.fields(call.caller),
    )
    pbx.emit(
        "UserEvent",
        UserEvent="FaxReceived",
        File=f"/var/spool/asterisk/fax/{call.caller.uniqueid}.tif",
        Pages=pages,
        RemoteStationID=station,
        CallerID=number,
        **pbx.fields(call.caller),
    )
    await pbx.sleep(1.0)
    flows.teardown(pbx, call, by="caller")
    return call


async def ring_no_answer_call(pbx: SimPBX, **kw) -> SimCall:
    return await queued_call(
        pbx, rings=[(flows.RING_TIMEOUT, False), (2.5, True)], hangup_by="agent", **kw
    )


SCENARIOS: dict[str, Callable[..., Awaitable[SimCall]]] = {
    "answered": queued_call,
    "abandoned": abandoned_call,
    "ivr_only": ivr_only_call,
    "ring_no_answer": ring_no_answer_call,
    "blind_transfer": lambda pbx, **kw: queued_call(
        pbx, transfer=("blind", kw.pop("to", "")), **kw
    ),
    "attended_transfer": lambda pbx, **kw: queued_call(
        pbx, transfer=("attended", kw.pop("to", "")), **kw
    ),
    "fax": fax_call,
}
DEFAULT_MIX = {
    "answered": 6,
    "abandoned": 2,
    "ivr_only": 1,
    "ring_no_answer": 1,
    "fax": 0.3,
    "blind_transfer": 0.3,
    "attended_transfer": 0.3,
}


async def run_mix(
    pbx: SimPBX,
    rate: float,
    count: int | None = None,
    mix: dict[str, float] | None = None,
    seed: int = 1,
) -> None:
    """Start calls at `rate` per virtual second in the given mix; `count` None = forever."""
    rng = random.Random(seed)
    names, weights = zip(*(mix or DEFAULT_MIX).items())
    tasks: set[asyncio.Task] = set()
    started = 0
    try:
        while count is None or started < count:
            name = rng.choices(names, weights)[0]
            task = asyncio.create_task(SCENARIOS[name](pbx, seed=rng.randrange(1 << 30)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            started += 1
            await pbx.sleep(rng.expovariate(rate))
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
