"""One step per AMI event name: how it changes the call record (see fold.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from integrations.ami.channels import clean, extension_of, extension_of_interface, local_partner
from integrations.ami.records import CallRecord, Leg
from integrations.ami.user_events import on_user_event

if TYPE_CHECKING:
    from integrations.ami.fold import CallFold, Change

Ev = Mapping[str, str]
Out = list  # list[Change]


def on_newchannel(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    channel = ev["Channel"]
    if ev.get("Uniqueid") == rec.linkedid:
        rec.root_channel = channel
        rec.dialled = rec.dialled or clean(ev.get("Exten"))
    _caller_from(rec, ev)


def on_channel_update(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    """Newstate / NewCallerid: the root channel's caller id and its answer by the PBX."""
    _caller_from(rec, ev)
    if ev.get("Channel") == rec.root_channel and ev.get("ChannelState") == "6":
        rec.root_up = True


def _caller_from(rec: CallRecord, ev: Ev) -> None:
    if rec.root_channel is None and ev.get("Uniqueid") == rec.linkedid:
        rec.root_channel = ev.get("Channel")
    if ev.get("Channel") != rec.root_channel:
        return
    number, name = clean(ev.get("CallerIDNum")), clean(ev.get("CallerIDName"))
    if number:
        rec.caller_number = number
    if name:
        rec.caller_name = name


def on_varset(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    var = ev["Variable"]
    if var.startswith("CC_"):
        rec.ivr_vars[var] = ev.get("Value", "")
        rec.ivr_at = rec.ivr_at or t


def on_agi_start(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    rec.ivr_at = rec.ivr_at or t


def on_queue_join(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    rec.queue = ev["Queue"]
    rec.queued_at = rec.queued_at or t
    rec.queue_left_at = None
    position = ev.get("Position", "")
    rec.queue_position = int(position) if position.isdecimal() else None
    _caller_from(rec, ev)
    fold.waiting.setdefault(rec.queue, set()).add(rec.linkedid)
    out.append(("offered", rec, {"queue": rec.queue}))


def _stop_waiting(fold: CallFold, rec: CallRecord, out: Out) -> None:
    if rec.queue and rec.linkedid in fold.waiting.get(rec.queue, ()):
        fold.waiting[rec.queue].discard(rec.linkedid)
        out.append(("queue", rec, {"queue": rec.queue}))


def on_queue_leave(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    if rec.answered_at is None and rec.abandoned_at is None:
        rec.queue_left_at = t
    _stop_waiting(fold, rec, out)


def on_queue_abandon(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    rec.queue = ev.get("Queue") or rec.queue
    if rec.answered_at is None and rec.abandoned_at is None:
        rec.abandoned_at = t
        out.append(("abandoned", rec, {"queue": rec.queue}))
    _stop_waiting(fold, rec, out)


def _ring(fold: CallFold, rec: CallRecord, channel: str, ext: str | None, t: int, out: Out) -> Leg:
    leg = rec.legs.get(channel)
    if leg is None:
        leg = Leg(channel=channel, extension=ext, rung_at=t)
        rec.legs[channel] = leg
        fold.chan_call.setdefault(channel, rec.linkedid)
    elif ext and not leg.extension:
        leg.extension = ext
    if leg.extension and leg.extension not in rec.agents_rung:
        rec.agents_rung.append(leg.extension)
        out.append(("ringing", rec, {"extension": leg.extension, "channel": channel}))
    return leg


def on_agent_called(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    ext = extension_of_interface(ev.get("Interface"), ev.get("MemberName"))
    rec.queue = ev.get("Queue") or rec.queue
    _caller_from(rec, ev)
    _ring(fold, rec, ev["DestChannel"], ext, t, out)


def on_dial_begin(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    source, dest = ev.get("Channel"), ev["DestChannel"]
    if not source and dest == rec.root_channel:
        rec.originated = (
            True  # AMI Originate rings this channel first (click-to-dial, or a test harness)
        )
    if not source or dest in rec.legs or dest == local_partner(rec.root_channel):
        return  # an Originate's own dial, or a leg already known from AgentCalled
    via = rec.legs.get(local_partner(source) or "")
    if via is not None:  # a Local agent leg now dialling the phone itself: same leg
        rec.legs[dest] = via
        fold.chan_call.setdefault(dest, rec.linkedid)
        return
    ext = extension_of(dest)
    if ext:
        _ring(fold, rec, dest, ext, t, out)
    elif rec.originated and source == rec.root_channel and extension_of(source):
        rec.outbound_channel = dest  # click-to-dial: an agent's phone calling out to a resident


def on_dial_end(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    if (
        ev["DestChannel"] == rec.outbound_channel
        and ev.get("DialStatus") == "ANSWER"
        and rec.root_channel
    ):
        leg = Leg(rec.root_channel, extension_of(rec.root_channel), t)
        rec.legs[rec.root_channel] = leg
        _answer(fold, rec, leg, t, out)
        return
    leg = rec.legs.get(ev["DestChannel"])
    if leg is None or leg.answered_at is not None:
        return
    status = ev.get("DialStatus", "")
    if status == "ANSWER":
        _answer(fold, rec, leg, t, out)
    elif status == "NOANSWER":
        leg.rang_out = True
    elif status == "BUSY":
        leg.rejected = True


def _answer(fold: CallFold, rec: CallRecord, leg: Leg, t: int, out: Out) -> None:
    first_for_leg = leg.answered_at is None
    leg.answered_at = leg.answered_at or t
    if rec.answered_at is None:
        rec.answered_at = t
        rec.answered_by = leg.extension
        _stop_waiting(fold, rec, out)
        out.append(("answered", rec, {"extension": leg.extension}))
    elif first_for_leg and leg.extension:  # a transfer target picked up
        out.append(("answered", rec, {"extension": leg.extension, "transfer": True}))


def on_agent_connect(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    ext = extension_of_interface(ev.get("Interface"), ev.get("MemberName"))
    leg = _ring(fold, rec, ev["DestChannel"], ext, t, out)
    first = rec.answered_at is None or rec.answered_by == leg.extension
    _answer(fold, rec, leg, t, out)
    if first:  # the queue's own moment of connection wins over the DialEnd just before
        rec.answered_at = leg.answered_at = t
    rec.queue = ev.get("Queue") or rec.queue


def on_agent_ring_no_answer(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    leg = rec.legs.get(ev.get("DestChannel", ""))
    if leg is not None:
        leg.rang_out = True


def on_agent_complete(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    leg = rec.legs.get(ev.get("DestChannel", ""))
    if leg is not None and leg.completed_at is None:
        leg.completed_at = t
    reason = ev.get("Reason")
    rec.connect_reason = reason if reason in ("caller", "agent") else None


def on_bridge_enter(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    channel, bridge = ev["Channel"], ev["BridgeUniqueid"]
    members = fold.bridges.setdefault(bridge, set())
    members.add(channel)
    for target in fold.related(channel, rec):
        target.final_leave.pop(channel, None)
        leg = target.legs.get(channel)
        if leg is not None:
            leg.left_at = None
    if channel in (rec.root_channel, local_partner(rec.root_channel)):
        _adopt_transfer_target(fold, rec, members - {channel}, t)


def _adopt_transfer_target(fold: CallFold, rec: CallRecord, others: set[str], t: int) -> None:
    """The caller joined a bridge with someone else's agent: an attended transfer landed."""
    for other in others:
        ext = extension_of(other)
        if ext and other not in rec.legs and other not in rec.channels:
            rec.legs[other] = Leg(channel=other, extension=ext, rung_at=t, answered_at=t)
            fold.watch(other, rec)
            fold.pending.append(("answered", rec, {"extension": ext, "transfer": True}))


def on_bridge_leave(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    channel = ev["Channel"]
    fold.bridges.get(ev["BridgeUniqueid"], set()).discard(channel)
    if not fold.bridges.get(ev["BridgeUniqueid"]):
        fold.bridges.pop(ev["BridgeUniqueid"], None)
    for target in fold.related(channel, rec):
        target.final_leave[channel] = fold.seq
        leg = target.legs.get(channel)
        if leg is not None and leg.answered_at is not None:
            leg.left_at = t


def on_hangup_request(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    channel = ev.get("Channel")
    if channel:
        rec.requests.setdefault(channel, fold.seq)


def on_hangup(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    channel = ev["Channel"]
    for target in fold.related(channel, rec):
        target.hangups.setdefault(channel, fold.seq)
        leg = target.legs.get(channel)
        if leg is not None:
            if leg.answered_at is None and ev.get("Cause") in ("17", "21"):
                leg.rejected = True
            if leg.answered_at is not None and leg.left_at is None:
                leg.left_at = t
        if channel in target.channels:
            target.hungup.add(channel)
        if channel == target.root_channel:
            target.hangup_cause = ev.get("Cause")
        if target is not rec:
            fold.maybe_finish(target, out)


def on_blind_transfer(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    if ev.get("Result") != "Success":
        return
    leg = rec.legs.get(ev.get("TransfererChannel", ""))
    _transfer(rec, leg, "blind", ev.get("Extension"), t, out)


def on_attended_transfer(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: Out) -> None:
    if ev.get("Result") != "Success":
        return
    leg = rec.legs.get(ev.get("OrigTransfererChannel", ""))
    transferers = {ev.get("OrigTransfererChannel"), ev.get("SecondTransfererChannel")}
    members = fold.bridges.get(ev.get("DestBridgeUniqueid", ""), set()) - transferers
    _adopt_transfer_target(fold, rec, members, t)
    targets = sorted(
        rec.legs[c].extension or "" for c in members if c in rec.legs and rec.legs[c] is not leg
    )
    _transfer(rec, leg, "attended", targets[0] if targets else None, t, out)
    consult = fold.calls.get(fold.chan_call.get(ev.get("SecondTransfererChannel", ""), ""))
    if consult is not None:
        second = consult.legs.get(ev.get("SecondTransfererChannel", ""))
        if second is not None:
            second.transferred_away = True


def _transfer(
    rec: CallRecord, leg: Leg | None, kind: str, to: str | None, t: int, out: Out
) -> None:
    transfer: dict[str, Any] = {
        "kind": kind,
        "from": leg.extension if leg else None,
        "to": to,
        "at": t,
    }
    rec.transfers.append(transfer)
    if leg is not None:
        leg.transferred_away = True
        leg.left_at = leg.left_at or t
    out.append(("transferred", rec, transfer))


Step = Callable[["CallFold", CallRecord, Ev, int, list], None]
HANDLERS: dict[str, Step] = {
    "Newchannel": on_newchannel,
    "Newstate": on_channel_update,
    "NewCallerid": on_channel_update,
    "VarSet": on_varset,
    "AGIExecStart": on_agi_start,
    "AsyncAGIStart": on_agi_start,
    "QueueCallerJoin": on_queue_join,
    "QueueCallerLeave": on_queue_leave,
    "QueueCallerAbandon": on_queue_abandon,
    "AgentCalled": on_agent_called,
    "AgentConnect": on_agent_connect,
    "AgentRingNoAnswer": on_agent_ring_no_answer,
    "AgentComplete": on_agent_complete,
    "DialBegin": on_dial_begin,
    "DialEnd": on_dial_end,
    "BridgeEnter": on_bridge_enter,
    "BridgeLeave": on_bridge_leave,
    "Hangup": on_hangup,
    "HangupRequest": on_hangup_request,
    "SoftHangupRequest": on_hangup_request,
    "UserEvent": on_user_event,
    "BlindTransfer": on_blind_transfer,
    "AttendedTransfer": on_attended_transfer,
}
