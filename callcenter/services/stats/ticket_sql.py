"""The ticket conditions behind each measure, written once in SQL.

The recount (rebuild.py), the base-table figures below street level and the drill-down
lists all use these, so a list always holds exactly the tickets a number counts.
"""
from __future__ import annotations

from sqlalchemy import String, and_, case, cast, func, or_

from callcenter.models import Ticket
from callcenter.services.stats.sqlfuncs import epoch_seconds

T = Ticket.__table__.c


def flags(t=T) -> dict:
    """measure name → the condition a ticket meets to count in it (besides n = every ticket)."""
    accepted_on_time = and_(t.accepted_at.is_not(None), t.accept_deadline.is_not(None),
                            t.accepted_at <= t.accept_deadline)
    resolved = t.resolved_at.is_not(None)
    return {
        "responded_on_time": or_(and_(resolved, t.dispatched_at.is_(None)), accepted_on_time),
        "accepted": t.accepted_at.is_not(None),
        "accepted_on_time": accepted_on_time,
        "resolved": resolved,
        "resolved_on_time": and_(resolved, or_(t.complete_deadline.is_(None),
                                               t.resolved_at <= t.complete_deadline)),
        "rated": t.satisfaction.is_not(None),
        "satisfied": t.satisfaction >= 4,
        "escalated": t.escalation_level > 0,
    }


def handle_seconds(t=T):
    return case((t.resolved_at.is_not(None), epoch_seconds(t.resolved_at) - epoch_seconds(t.created_at)),
                else_=0)


OPEN = ("open", "dispatched", "accepted", "returned")


def overdue_now(now, t=T):
    """Late to sign for, or late to finish, at `now` (as domain.deadlines.is_overdue)."""
    return or_(and_(t.status == "dispatched", t.accept_deadline < now),
               and_(t.status.in_(OPEN), t.complete_deadline < now))


def accept_overdue_now(now, t=T):
    return and_(t.status == "dispatched", t.accept_deadline < now)


def complete_overdue_now(now, t=T):
    return and_(t.status.in_(OPEN), t.complete_deadline < now)


def dimension_value(dim: str, t=T):
    """The breakdown value a ticket counts under: its channel, category id or target."""
    if dim == "channel":
        return t.channel
    if dim == "category":
        return func.coalesce(cast(t.category_id, String(40)), "-")
    if dim == "target":
        return case((t.target_department_id.is_not(None), "d:" + cast(t.target_department_id, String(40))),
                    (t.target_provider_id.is_not(None), "p:" + cast(t.target_provider_id, String(40))),
                    else_="-")
    raise ValueError(f"unknown dimension {dim!r}")
