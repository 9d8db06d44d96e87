"""The call record one call folds into, and the rules that finish it.

Times are integer microseconds since the epoch: seconds are the floor of
exact differences, which floats would round at the boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

US = 1_000_000


def timestamp_us(value: str | None) -> int | None:
    """Parse an AMI 'Timestamp: 1795865089.357956' header into microseconds."""
    if not value:
        return None
    sec, _, frac = value.strip().partition(".")
    if not sec.isdecimal() or (frac and not frac.isdecimal()):
        return None
    return int(sec) * US + int((frac + "000000")[:6])


def seconds_between(start: int | None, end: int | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, (end - start) // US)


@dataclass
class Leg:
    """One attempt to reach an agent's phone (or a transfer target)."""

    channel: str
    extension: str | None
    rung_at: int
    rang_out: bool = False
    rejected: bool = False
    answered_at: int | None = None
    left_at: int | None = None
    completed_at: int | None = None
    transferred_away: bool = False

    @property
    def talk_end(self) -> int | None:
        """End of this agent's talk: AgentComplete, or leaving the bridge if earlier."""
        ends = [t for t in (self.left_at, self.completed_at) if t is not None]
        return min(ends) if ends else None


@dataclass
class CallRecord:
    linkedid: str
    started_at: int
    root_channel: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    dialled: str | None = None
    ivr_at: int | None = None
    ivr_vars: dict[str, str] = field(default_factory=dict)
    queue: str | None = None
    queue_position: int | None = None
    queued_at: int | None = None
    queue_left_at: int | None = None
    abandoned_at: int | None = None
    legs: dict[str, Leg] = field(default_factory=dict)
    agents_rung: list[str] = field(default_factory=list)
    answered_by: str | None = None
    answered_at: int | None = None
    connect_reason: str | None = None
    transfers: list[dict[str, Any]] = field(default_factory=list)
    fax: dict[str, Any] | None = None
    voicemail: dict[str, Any] | None = None
    callback_requested: bool = False
    survey: dict[str, Any] | None = None
    ivr_hangup: bool = False
    root_up: bool = False
    outbound_channel: str | None = None
    originated: bool = False
    channels: set[str] = field(default_factory=set)
    hungup: set[str] = field(default_factory=set)
    requests: dict[str, int] = field(default_factory=dict)
    hangups: dict[str, int] = field(default_factory=dict)
    final_leave: dict[str, int] = field(default_factory=dict)
    hangup_cause: str | None = None
    ended_at: int | None = None
    hangup_by: str | None = None
    disposition: str | None = None
    resynced: bool = False
    adopted: bool = False

    # -- parties -------------------------------------------------------------
    def party_of(self, channel: str, bridged: bool = False) -> str | None:
        """caller / agent / system for a channel of this call, None if it does not count."""
        from integrations.ami.channels import local_partner

        if channel == self.root_channel:
            return "caller"
        if self.root_channel and channel == local_partner(self.root_channel):
            return "caller" if bridged else "system"
        leg = self._leg_of(channel)
        if leg is None or leg.transferred_away:
            return None
        if leg.answered_at is not None or (self.answered_at is None and leg.rejected):
            return "agent"
        return None

    def _leg_of(self, channel: str) -> Leg | None:
        from integrations.ami.channels import local_partner

        return self.legs.get(channel) or self.legs.get(local_partner(channel) or "")

    # -- finishing -----------------------------------------------------------
    def finish(self, at: int, resynced: bool = False) -> None:
        self.ended_at = at
        self.resynced = self.resynced or resynced
        self.hangup_by = "system" if resynced else self._hangup_by()
        self.disposition = self._disposition()

    def _hangup_by(self) -> str:
        if self.abandoned_at is not None and self.answered_at is None:
            return "caller"
        if self.connect_reason in ("caller", "agent"):
            return self.connect_reason
        for order, bridged in (
            (self.requests, False),
            (self.final_leave, True),
            (self.hangups, False),
        ):
            party = self._first_party(order, bridged)
            if party:
                return party
        return "system"

    def _first_party(self, order: dict[str, int], bridged: bool) -> str | None:
        """The party of the channel that did it first, among channels that count."""
        for channel, _seq in sorted(order.items(), key=lambda kv: kv[1]):
            party = self.party_of(channel, bridged)
            if party:
                return party
        return None

    def _disposition(self) -> str:
        if self.fax is not None:
            return "fax"
        if self.answered_at is not None:
            return "answered"
        if self.callback_requested:  # after hours or a queue timeout: an agent calls back
            return "callback"
        waited = self.queued_at is not None or bool(self.legs)
        if self.abandoned_at is not None:
            return "abandoned"
        if waited:
            return "abandoned" if self.hangup_by == "caller" else "missed"
        if self.root_up or self.ivr_at is not None:
            return "ivr_only"
        return "failed"

    def wait_seconds(self) -> int | None:
        start = self.queued_at
        if start is None and self.legs:
            start = min(leg.rung_at for leg in self.legs.values())
        if start is None:
            return None
        end = self.answered_at or self.abandoned_at or self.queue_left_at or self.ended_at
        return seconds_between(start, end)

    def talk_seconds(self) -> int | None:
        if self.answered_at is None:
            return 0
        legs = {id(leg): leg for leg in self.legs.values()}.values()
        ends = [leg.talk_end or self.ended_at for leg in legs if leg.answered_at]
        ends = [e for e in ends if e is not None]
        if not ends:
            return None
        return seconds_between(self.answered_at, max(ends))

    def to_json(self) -> dict[str, Any]:
        """The record as the replay tool and the store see it (docs/ami.md lists fields)."""
        return {
            "linkedid": self.linkedid,
            "caller_number": self.caller_number,
            "caller_name": self.caller_name,
            "dialled": self.dialled,
            "direction": "outbound" if self.outbound_channel else "inbound",
            "queue": self.queue,
            "ivr_vars": dict(self.ivr_vars),
            "agents_rung": list(self.agents_rung),
            "answered_by": self.answered_by,
            "disposition": self.disposition,
            "wait_seconds": self.wait_seconds(),
            "talk_seconds": self.talk_seconds(),
            "hangup_by": self.hangup_by,
            "fax": dict(self.fax) if self.fax else None,
            "after_hours": self.ivr_vars.get("CC_AFTER_HOURS") or None,
            "voicemail": dict(self.voicemail) if self.voicemail else None,
            "callback_requested": self.callback_requested,
            "survey": dict(self.survey) if self.survey else None,
            "ivr_hangup": self.ivr_hangup,
            "transfers": [dict(t) for t in self.transfers],
            "rang_out": sorted(
                {leg.extension for leg in self.legs.values() if leg.rang_out and leg.extension}
            ),
            "hangup_cause": self.hangup_cause,
            "started_at": self.started_at,
            "ivr_at": self.ivr_at,
            "queued_at": self.queued_at,
            "queue_position": self.queue_position,
            "answered_at": self.answered_at,
            "ended_at": self.ended_at,
            "resynced": self.resynced,
            "adopted": self.adopted,
        }
