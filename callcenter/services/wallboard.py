"""The supervisor wallboard's figures: per queue from its live state, tickets from the store.

Definitions (docs/console.md): service level = answered within the queue's threshold
(15 s by default, GB/T 33358) over calls that finished waiting today (answered +
abandoned); ASA = mean wait of answered calls; AHT = mean talk time of answered calls
that ended today.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor
from callcenter.models import Ticket
from callcenter.models.base import utcnow
from callcenter.services import live
from callcenter.services.ticket_queries import scope_clause

OPEN_STATES = ("open", "dispatched", "accepted", "returned")
AGENT_STATES = ("ready", "ringing", "on_call", "wrap_up", "paused", "offline")


def queue_view(state: dict[str, Any], now: float, *, sl_seconds: int = 15,
               wait_alert_seconds: int = 60) -> dict[str, Any]:
    """KPIs, waiting and talking calls, member agents and alerts of one queue room."""
    state = _as_of_today(state, now)
    calls = sorted(state["calls"].values(), key=lambda c: c.get("queued_at") or c["since"])
    waiting = [c for c in calls if c.get("phase") != "talking"]
    longest = max((now - float(c.get("queued_at") or c["since"]) for c in waiting), default=0.0)
    agents = sorted(state["agents"].values(), key=lambda a: a["extension"])
    by_state = {s: sum(1 for a in agents if a["state"] == s) for s in AGENT_STATES}
    return {"kpis": {**kpis(state["counts"], sl_seconds), "waiting": len(waiting),
                     "longest_wait": int(max(0.0, longest)), "agents": by_state},
            "calls": [_call_row(c, now) for c in calls],
            "agents": [{**a, "in_state": int(max(0.0, now - float(a["since"])))} for a in agents],
            "alerts": alerts(len(waiting), longest, by_state, wait_alert_seconds),
            "thresholds": {"sl_seconds": sl_seconds, "wait_alert_seconds": wait_alert_seconds}}


def _as_of_today(state: dict[str, Any], now: float) -> dict[str, Any]:
    """No event yet since midnight: the counts held are yesterday's, today's are zero."""
    if live.local_day(now) <= state["day"]:
        return state
    agents = {ext: {**a, "calls_today": 0} for ext, a in state["agents"].items()}
    return {**state, "counts": dict.fromkeys(live.COUNTERS, 0), "agents": agents}


def kpis(counts: dict[str, Any], sl_seconds: int) -> dict[str, Any]:
    answered, abandoned = counts["answered"], counts["abandoned"]
    finished = answered + abandoned
    return {"offered": counts["offered"], "answered": answered, "abandoned": abandoned,
            "service_level": round(100 * counts["answered_in_sl"] / finished) if finished else None,
            "sl_seconds": sl_seconds,
            "asa": round(counts["wait_answered"] / answered) if answered else None,
            "aht": round(counts["talk_sum"] / counts["talk_n"]) if counts["talk_n"] else None}


def alerts(waiting: int, longest: float, by_state: dict[str, int], wait_alert: int) -> list[str]:
    out = []
    if waiting and longest > wait_alert:
        out.append("long_wait")
    staffed = sum(n for s, n in by_state.items() if s != "offline")
    if by_state.get("ready", 0) == 0 and (waiting or staffed):
        out.append("no_ready_agent")
    return out


def _call_row(call: dict[str, Any], now: float) -> dict[str, Any]:
    since = float(call.get("queued_at") or call["since"])
    phase_since = float(call.get("phase_since") or since)
    return {"linkedid": call["linkedid"], "phase": call.get("phase"),
            "caller_name": call.get("caller_name") or "", "extension": call.get("extension"),
            "priority": call.get("priority"), "wait": int(max(0.0, now - since)),
            "in_phase": int(max(0.0, now - phase_since))}


def ticket_counts(session: Session, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Overdue and escalated (督办) tickets still open in the supervisor's region."""
    now = now or utcnow()
    base = select(func.count()).select_from(Ticket).where(scope_clause(actor),
                                                          Ticket.status.in_(OPEN_STATES))
    overdue = session.scalar(base.where(Ticket.complete_deadline < now))
    escalated = session.scalar(base.where(Ticket.escalation_level > 0))
    return {"overdue": int(overdue or 0), "escalated": int(escalated or 0)}
