"""Deadline policies (12345 practice) and the deadlines they give a ticket."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar

# 12345 practice: urgent same day; consult/help 3 working days; complaint/suggestion 13;
# the target signs for (签收) within 2 working hours.
DEFAULT_COMPLETE_DAYS = {"consult": 3, "help": 3, "complaint": 13, "suggestion": 13, "praise": 3}
DEFAULT_ACCEPT_HOURS = 2.0


@dataclass(frozen=True)
class Policy:
    accept_hours: float = DEFAULT_ACCEPT_HOURS
    complete_days: int = 3


def policy_for(category_policy: dict | None, ticket_type: str) -> Policy:
    """Merge a category's policy ({"default": {...}, "<type>": {...}}) over the defaults."""
    merged = {"accept_hours": DEFAULT_ACCEPT_HOURS,
              "complete_days": DEFAULT_COMPLETE_DAYS.get(ticket_type, 3)}
    for key in ("default", ticket_type):
        merged.update((category_policy or {}).get(key, {}))
    return Policy(float(merged["accept_hours"]), int(merged["complete_days"]))


def completion_deadline(opened: datetime, ticket_type: str, priority: str, policy: Policy,
                        calendar: WorkingCalendar = DEFAULT_CALENDAR) -> datetime:
    if priority == "urgent":
        return calendar.end_of_working_day(opened)
    return calendar.add_working_days(opened, policy.complete_days)


def acceptance_deadline(dispatched: datetime, policy: Policy,
                        calendar: WorkingCalendar = DEFAULT_CALENDAR) -> datetime:
    return calendar.add_working_hours(dispatched, policy.accept_hours)


def is_overdue(status: str, now: datetime, accept_deadline: datetime | None,
               complete_deadline: datetime | None) -> bool:
    """Computed on read, never stored: late to sign for, or late to finish."""
    if status == "dispatched" and accept_deadline is not None and now > accept_deadline:
        return True
    if status in ("open", "dispatched", "accepted", "returned") and complete_deadline is not None:
        return now > complete_deadline
    return False
