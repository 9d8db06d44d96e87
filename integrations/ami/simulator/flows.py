"""Steps of a simulated call (IVR, queue, ring, answer, transfer, hang-up) as Asterisk emits."""

from __future__ import annotations

import asyncio
from typing import Mapping

from integrations.ami.simulator.pbx import SimCall, SimChannel, SimPBX

RING_TIMEOUT = 12.0


def start_call(
    pbx: SimPBX, number: str, name: str, dialled: str = "12345", device: str = "trunk"
) -> SimCall:
    caller = pbx.new_channel(
        device, number, name, dialled, "from-trunk" if device == "trunk" else "agents"
    )
    call = SimCall(caller)
    pbx.calls[caller.linkedid] = call
    task = asyncio.current_task()
    if task is not None:
        task.sim_call = call  # type: ignore[attr-defined]  # lets Hangup/Redirect stop this script
    return call


async def ivr(pbx: SimPBX, call: SimCall, variables: Mapping[str, str], seconds: float) -> None:
    pbx.set_state(call.caller, 6)
    pbx.emit("AGIExecStart", Command="ANSWER", CommandId=1, **pbx.fields(call.caller))
    await pbx.sleep(seconds)
    for key, value in variables.items():
        pbx.emit("VarSet", Variable=key, Value=value, **pbx.fields(call.caller))


def enqueue(pbx: SimPBX, call: SimCall, queue: str) -> None:
    waiting = pbx.queues.setdefault(queue, [])
    waiting.append(call)
    call.queue, call.queued_at = queue, pbx.now()
    pbx.emit(
        "QueueCallerJoin",
        Queue=queue,
        Position=len(waiting),
        Count=len(waiting),
        **pbx.fields(call.caller),
    )


def leave_queue(pbx: SimPBX, call: SimCall, abandon: bool = False) -> None:
    waiting = pbx.queues.get(call.queue or "", [])
    if call not in waiting:
        return
    position = waiting.index(call) + 1
    waiting.remove(call)
    if abandon:
        pbx.emit(
            "QueueCallerAbandon",
            Queue=call.queue,
            Position=position,
            OriginalPosition=position,
            HoldTime=int(pbx.now() - (call.queued_at or pbx.now())),
            **pbx.fields(call.caller),
        )
    pbx.emit(
        "QueueCallerLeave",
        Queue=call.queue,
        Position=position,
        Count=len(waiting),
        **pbx.fields(call.caller),
    )


def _agent_fields(pbx: SimPBX, call: SimCall, leg: SimChannel, ext: str) -> dict:
    return {
        "Queue": call.queue,
        "Interface": f"PJSIP/{ext}",
        "MemberName": ext,
        **pbx.fields(call.caller),
        **pbx.fields(leg, "Dest"),
    }


def ring(pbx: SimPBX, call: SimCall, ext: str, queued: bool = True) -> SimChannel:
    leg = pbx.new_channel(ext, ext, ext, "s", "agents", call.caller.linkedid, state=0)
    call.legs[ext] = leg
    if queued:
        pbx.emit("AgentCalled", **_agent_fields(pbx, call, leg, ext))
    pbx.emit("DialBegin", DialString=ext, **pbx.fields(call.caller), **pbx.fields(leg, "Dest"))
    pbx.set_state(leg, 5)
    pbx.set_member(ext, ringing=True, status=6)
    return leg


def stop_ringing(
    pbx: SimPBX, call: SimCall, ext: str, status: str = "CANCEL", no_answer: bool = False
) -> None:
    leg = call.legs.pop(ext, None)
    if leg is None:
        return
    if no_answer and call.queue:
        pbx.emit(
            "AgentRingNoAnswer", RingTime=int(RING_TIMEOUT), **_agent_fields(pbx, call, leg, ext)
        )
    pbx.emit("DialEnd", DialStatus=status, **pbx.fields(call.caller), **pbx.fields(leg, "Dest"))
    pbx.hangup(leg, cause=0)
    pbx.set_member(ext, ringing=False, status=1)


def connect(pbx: SimPBX, call: SimCall, ext: str, queued: bool = True) -> None:
    leg = call.legs[ext]
    for other in [e for e in call.legs if e != ext]:
        stop_ringing(pbx, call, other)
    pbx.set_state(leg, 6)
    pbx.emit("DialEnd", DialStatus="ANSWER", **pbx.fields(call.caller), **pbx.fields(leg, "Dest"))
    if queued:
        leave_queue(pbx, call)
        pbx.emit(
            "AgentConnect",
            HoldTime=int(pbx.now() - (call.queued_at or pbx.now())),
            RingTime=1,
            **_agent_fields(pbx, call, leg, ext),
        )
    call.connected, call.bridge = ext, pbx.new_bridge()
    pbx.bridge_enter(leg, call.bridge)
    pbx.bridge_enter(call.caller, call.bridge)
    pbx.set_member(ext, ringing=False, in_call=True, status=2)


def end_talk(pbx: SimPBX, call: SimCall, reason: str) -> None:
    """The agent's part ends (hang-up or transfer): AgentComplete, bridge torn down, phone freed."""
    ext = call.connected
    if ext is None:
        return
    leg = call.legs.pop(ext)
    if call.queue:
        pbx.emit(
            "AgentComplete",
            Reason=reason,
            HoldTime=0,
            TalkTime=0,
            **_agent_fields(pbx, call, leg, ext),
        )
    pbx.bridge_leave(call.caller)
    pbx.bridge_leave(leg)
    pbx.emit("BridgeDestroy", BridgeUniqueid=call.bridge, BridgeType="basic")
    call.connected = call.bridge = None
    pbx.hangup(leg)
    pbx.set_member(ext, in_call=False, status=1, last_call=int(pbx.now()))


def teardown(pbx: SimPBX, call: SimCall, by: str = "caller", cause: int = 16) -> None:
    """End the whole call the way Asterisk does when `by` (caller/agent/system) hangs up."""
    if call.ended:
        return
    call.ended = True
    first = call.legs.get(call.connected or "") if by == "agent" else call.caller
    if first is not None and by != "system":
        pbx.emit("HangupRequest", Cause=cause, **pbx.fields(first))
    end_talk(pbx, call, "agent" if by == "agent" else "caller")
    for ext in list(call.legs):
        stop_ringing(pbx, call, ext)
    leave_queue(pbx, call, abandon=by == "caller")
    for ch in call.extra:
        pbx.hangup(ch, cause)
    pbx.hangup(call.caller, cause)
    pbx.calls.pop(call.caller.linkedid, None)


async def wait_for_answer(pbx: SimPBX, call: SimCall, answer_after: float | None) -> bool:
    """Ring until the scripted moment, or (interactive) until `answer(ext)` or the ring timeout."""
    call.answer_now.clear()
    if answer_after is not None and not pbx.interactive:
        await pbx.sleep(answer_after)
        return True
    limit = RING_TIMEOUT if answer_after is None or pbx.interactive else answer_after
    try:
        await asyncio.wait_for(call.answer_now.wait(), limit / pbx.speed)
        return True
    except asyncio.TimeoutError:
        return False


def blind_transfer(pbx: SimPBX, call: SimCall, to_ext: str) -> None:
    leg = call.legs[call.connected]
    pbx.emit(
        "BlindTransfer",
        Result="Success",
        IsExternal="No",
        Extension=to_ext,
        Context="agents",
        BridgeUniqueid=call.bridge,
        **pbx.fields(leg, "Transferer"),
        **pbx.fields(call.caller, "Transferee"),
    )
    end_talk(pbx, call, "transfer")
    ring(pbx, call, to_ext, queued=False)
