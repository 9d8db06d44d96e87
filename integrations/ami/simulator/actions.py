"""The simulator's answers to AMI actions, with Asterisk's own response messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from integrations.ami.simulator import flows
from integrations.ami.simulator.pbx import SimMember

if TYPE_CHECKING:
    from integrations.ami.simulator.server import PBXSimulator, Session

Reply = list[dict[str, Any]]


def ok(message: str, **more: Any) -> Reply:
    return [{"Response": "Success", "Message": message, **more}]


def error(message: str) -> Reply:
    return [{"Response": "Error", "Message": message}]


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _extension(interface: str | None) -> str | None:
    if not interface or "/" not in interface:
        return None
    return interface.split("/", 1)[1].split("@", 1)[0] or None


def a_ping(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    return [{"Response": "Success", "Ping": "Pong", "Timestamp": f"{sim.pbx.now():.6f}"}]


def a_core_show_channels(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    pbx = sim.pbx
    items = [
        {
            "Event": "CoreShowChannel",
            **pbx.fields(ch),
            "BridgeId": ch.bridge or "",
            "Application": "Queue" if ch.context == "from-trunk" else "AppDial",
            "ApplicationData": "",
            "Duration": "00:00:01",
            "BridgedChannel": "",
            "BridgedUniqueID": "",
        }
        for ch in pbx.channels.values()
    ]
    return _list("Channels will follow", items, "CoreShowChannelsComplete")


def a_queue_status(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    pbx, items = sim.pbx, []
    now = pbx.now()
    for queue, waiting in pbx.queues.items():
        items.append(
            {
                "Event": "QueueParams",
                "Queue": queue,
                "Max": 0,
                "Strategy": "rrmemory",
                "Calls": len(waiting),
                "Holdtime": 0,
                "TalkTime": 0,
                "Completed": 0,
                "Abandoned": 0,
            }
        )
        for (q, _ext), m in pbx.members.items():
            if q == queue:
                f = pbx.member_fields(m)
                items.append(
                    {
                        "Event": "QueueMember",
                        "Queue": queue,
                        "Name": m.extension,
                        "Location": m.interface,
                        **{
                            k: f[k]
                            for k in (
                                "StateInterface",
                                "Membership",
                                "Penalty",
                                "CallsTaken",
                                "LastCall",
                                "LastPause",
                                "LoginTime",
                                "InCall",
                                "Status",
                                "Paused",
                                "PausedReason",
                            )
                        },
                    }
                )
        for pos, call in enumerate(waiting, 1):
            items.append(
                {
                    "Event": "QueueEntry",
                    "Queue": queue,
                    "Position": pos,
                    **pbx.fields(call.caller),
                    "Wait": int(now - (call.queued_at or now)),
                    "Priority": 0,
                }
            )
    return _list("Queue status will follow", items, "QueueStatusComplete")


def a_queue_summary(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    pbx, items = sim.pbx, []
    for queue, waiting in pbx.queues.items():
        members = [m for (q, _e), m in pbx.members.items() if q == queue]
        items.append(
            {
                "Event": "QueueSummary",
                "Queue": queue,
                "LoggedIn": len(members),
                "Available": len(pbx.free_members(queue)),
                "Callers": len(waiting),
                "HoldTime": 0,
                "TalkTime": 0,
                "LongestHoldTime": (
                    int(pbx.now() - min((c.queued_at or 0) for c in waiting)) if waiting else 0
                ),
            }
        )
    return _list("Queue summary will follow", items, "QueueSummaryComplete")


def _list(message: str, items: list[dict[str, Any]], complete: str) -> Reply:
    return [
        {"Response": "Success", "EventList": "start", "Message": message},
        *items,
        {"Event": complete, "EventList": "Complete", "ListItems": len(items)},
    ]


def a_queue_add(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    queue, ext = a.get("Queue", ""), _extension(a.get("Interface"))
    if queue not in sim.pbx.queues:
        return error("Unable to add interface to queue: No such queue")
    if not ext:
        return error("'Interface' not specified.")
    if (queue, ext) in sim.pbx.members:
        return error("Unable to add interface: Already there")
    m = SimMember(queue, ext, paused=_truthy(a.get("Paused")), reason=a.get("Reason", ""))
    sim.pbx.members[(queue, ext)] = m
    sim.pbx.member_event("QueueMemberAdded", m)
    return ok("Added interface to queue")


def a_queue_remove(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    m = sim.pbx.members.pop((a.get("Queue", ""), _extension(a.get("Interface")) or ""), None)
    if m is None:
        return error("Unable to remove interface: Not there")
    sim.pbx.member_event("QueueMemberRemoved", m)
    return ok("Removed interface from queue")


def a_queue_pause(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    ext, queue = _extension(a.get("Interface")), a.get("Queue")
    members = [m for m in sim.pbx.members_of(ext or "") if not queue or m.queue == queue]
    if not members:
        return error("Interface not found")
    paused = _truthy(a.get("Paused"))
    for m in members:
        m.paused, m.reason = paused, (a.get("Reason", "") if paused else "")
        sim.pbx.member_event("QueueMemberPause", m)
    return ok("Interface paused successfully" if paused else "Interface unpaused successfully")


def a_originate(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    ext = _extension(a.get("Channel"))
    if not ext:
        return error("Channel not specified")
    sim.spawn(sim.originate(ext, a))
    return ok("Originate successfully queued")


def a_redirect(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    call = sim.call_of(a.get("Channel", ""))
    if call is None:
        return error("Channel specified does not exist")
    target = a.get("Exten", "")
    if not target:
        return error("Exten not specified")
    sim.spawn(sim.redirect(call, target))
    return ok("Redirect successful")


def a_hangup(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    call = sim.call_of(a.get("Channel", ""))
    if call is None:
        return error("No such channel")
    by = (
        "agent"
        if call.connected
        and call.legs.get(call.connected)
        and call.legs[call.connected].name == a.get("Channel")
        else "system"
    )
    sim.cancel_script(call)
    flows.teardown(sim.pbx, call, by=by)
    return ok("Channel Hungup")


def a_events(sim: PBXSimulator, s: Session, a: Mapping[str, str]) -> Reply:
    s.events_on = a.get("EventMask", "on").lower() != "off"
    return [{"Response": "Success", "Events": "On" if s.events_on else "Off"}]


ACTIONS = {
    "ping": a_ping,
    "coreshowchannels": a_core_show_channels,
    "queuestatus": a_queue_status,
    "queuesummary": a_queue_summary,
    "queueadd": a_queue_add,
    "queueremove": a_queue_remove,
    "queuepause": a_queue_pause,
    "originate": a_originate,
    "redirect": a_redirect,
    "hangup": a_hangup,
    "events": a_events,
}
