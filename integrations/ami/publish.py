"""Fold and agent changes → domain events (ARCHITECTURE.md §5), each with a per-room `seq`.

`seq` counts per room so a console in `agent:8001` sees 1, 2, 3… and knows it missed
something when a number is skipped (docs/events.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from callcenter.ports import EventPublisher
from integrations.ami.agents import AgentChange
from integrations.ami.records import US, CallRecord

TZ = ZoneInfo("Asia/Shanghai")
# The dialplan's user events (integrations/ami/user_events.py): event name, room.
AFTER_CALL = {
    "voicemail": ("call.voicemail", None),
    "callback": ("call.callback_requested", "queue"),
    "survey": ("call.survey", None),
    "ivr_hangup": ("call.ivr_hangup", None),
}


def local_time(us: int | None) -> str | None:
    """Microseconds since the epoch → ISO 8601 in Asia/Shanghai (what screens show)."""
    if us is None:
        return None
    return datetime.fromtimestamp(us / US, TZ).isoformat(timespec="seconds")


def call_summary(rec: CallRecord) -> dict[str, Any]:
    return {
        "linkedid": rec.linkedid,
        "caller_number": rec.caller_number,
        "caller_name": rec.caller_name,
        "queue": rec.queue,
        "ivr_vars": dict(rec.ivr_vars),
        "resident_id": rec.ivr_vars.get("CC_RESIDENT_ID") or None,
        "priority": rec.ivr_vars.get("CC_PRIORITY"),
        "started_at": local_time(rec.started_at),
    }


class DomainEvents:
    def __init__(self, events: EventPublisher) -> None:
        self.events = events
        self._seq: dict[str, int] = {}

    def publish(self, name: str, payload: dict[str, Any], room: str | None) -> None:
        key = room or "*"
        self._seq[key] = self._seq.get(key, 0) + 1
        self.events.publish(name, {**payload, "seq": self._seq[key]}, room=room)

    def call_changes(self, changes: Iterable[tuple[str, CallRecord, dict]], at: int) -> set[str]:
        """Publish call events; return the queues whose snapshot changed."""
        queues: set[str] = set()
        for kind, rec, info in changes:
            queue_room = f"queue:{rec.queue}" if rec.queue else None
            if rec.queue:
                queues.add(rec.queue)
            body = {**call_summary(rec), "at": at / US, "at_local": local_time(at)}
            if kind == "offered":
                self.publish("call.offered", body, queue_room)
            elif kind == "ringing":
                self.publish(
                    "call.ringing",
                    {**body, "extension": info["extension"]},
                    f"agent:{info['extension']}",
                )
            elif kind == "answered":
                payload = {
                    **body,
                    "extension": info["extension"],
                    "transfer": bool(info.get("transfer")),
                }
                self.publish("call.answered", payload, f"agent:{info['extension']}")
                if queue_room:
                    self.publish("call.answered", payload, queue_room)
            elif kind == "abandoned":
                self.publish("call.abandoned", body, queue_room)
            elif kind == "ended":
                self._ended(rec, queue_room)
            elif kind in AFTER_CALL:
                name, room = AFTER_CALL[kind]
                self.publish(name, {**body, **info}, queue_room if room == "queue" else None)
        return queues

    def _ended(self, rec: CallRecord, queue_room: str | None) -> None:
        record = rec.to_json()
        payload = {**record, "at": (rec.ended_at or 0) / US, "at_local": local_time(rec.ended_at)}
        rooms = {queue_room} if queue_room else {None}
        rooms |= {f"agent:{ext}" for ext in rec.agents_rung}
        for room in sorted(rooms, key=str):
            self.publish("call.ended", payload, room)
        if record["disposition"] == "abandoned" and queue_room:
            self.publish(
                "call.abandoned",
                {**call_summary(rec), "wait_seconds": record["wait_seconds"], "final": True},
                queue_room,
            )

    def agent_changes(self, changes: Iterable[AgentChange]) -> set[str]:
        queues: set[str] = set()
        for change in changes:
            payload = {
                "extension": change.agent,
                "state": change.state,
                "reason": change.reason,
                "source": change.source,
                "at": change.at / US,
                "at_local": local_time(change.at),
            }
            self.publish("agent.state", payload, f"agent:{change.agent}")
            for queue in change.queues:
                self.publish("agent.state", payload, f"queue:{queue}")
                queues.add(queue)
        return queues

    def queue_snapshot(
        self,
        queue: str,
        waiting: int,
        longest_wait: int | None,
        counts: dict[str, int],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """`counts`: the queue's members per state (AgentTracker.counts)."""
        self.publish(
            "queue.snapshot",
            {
                "queue": queue,
                "waiting": waiting,
                "longest_wait_seconds": longest_wait,
                "agents": counts,
                **(extra or {}),
            },
            f"queue:{queue}",
        )
