"""Reminders and escalation (催办 / 督办), run periodically by the scheduler.

On the working calendar: shortly before a deadline the target is reminded (portal + SMS);
once past it the ticket is escalated to level 1 and the supervisors of its region are
told; five working days past it, level 2 goes to the supervisors one region level up.
Each ticket is handled in its own transaction and every notice has a unique key, so a
run can be repeated or overlap another without sending anything twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from callcenter.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from callcenter.models import Ticket, TicketEvent
from callcenter.models.base import utcnow
from callcenter.ports import EventPublisher
from callcenter.services.dispatch import current_dispatch
from callcenter.services.notices import notify_supervisors, notify_target, supervisors_for
from callcenter.services.notifications import Messaging, local_time

LIVE = ("open", "dispatched", "accepted", "returned")
HORIZON = timedelta(days=45)  # calendar days that can hold one working day (Spring Festival)


@dataclass(frozen=True)
class DeadlineRules:
    accept_lead_seconds: float = 30 * 60       # remind with ≤ 30 working minutes left to sign for
    complete_lead_seconds: float = 7 * 3600    # ≤ one working day (7 office hours) left to finish
    escalate_after_days: int = 5               # working days past the deadline → next level up


@dataclass
class CheckReport:
    reminded: list[str] = field(default_factory=list)
    escalated: list[tuple[str, int]] = field(default_factory=list)


def check_deadlines(sessions: sessionmaker, messaging: Messaging, *, now: datetime | None = None,
                    calendar: WorkingCalendar = DEFAULT_CALENDAR,
                    rules: DeadlineRules = DeadlineRules(),
                    events: EventPublisher | None = None) -> CheckReport:
    now = now or utcnow()
    with sessions() as s:
        ids = s.scalars(select(Ticket.id).where(
            Ticket.status.in_(LIVE),
            or_(Ticket.accept_deadline < now + HORIZON, Ticket.complete_deadline < now + HORIZON))
            .order_by(Ticket.id)).all()
    report = CheckReport()
    for ticket_id in ids:
        try:
            with sessions.begin() as s:
                _check(s, s.get(Ticket, ticket_id), messaging, now, calendar, rules, report)
        except StaleDataError:
            logging.getLogger(__name__).info("ticket %s changed meanwhile; next run", ticket_id)
    for number, level in report.escalated:
        if events is not None:
            events.publish("ticket.escalated", {"number": number, "level": level}, room="supervisors")
    return report


def _check(s: Session, t: Ticket, messaging, now, calendar, rules, report) -> None:
    d = current_dispatch(s, t.id)
    if d is not None:
        _remind(s, t, d, messaging, now, calendar, rules, report)
    missed = missed_deadline(t, now)
    if missed is None:
        return
    level = 2 if now > calendar.add_working_days(missed, rules.escalate_after_days) else 1
    if level > t.escalation_level:
        _escalate(s, t, level, missed, messaging, now)
        report.escalated.append((t.number, level))


def missed_deadline(t: Ticket, now: datetime) -> datetime | None:
    """The deadline this ticket has passed: signing for first, else completion."""
    if t.status == "dispatched" and t.accept_deadline and now > t.accept_deadline:
        return t.accept_deadline
    if t.status in LIVE and t.complete_deadline and now > t.complete_deadline:
        return t.complete_deadline
    return None


def _remind(s, t, d, messaging, now, calendar, rules, report) -> None:
    checks = []
    if t.status == "dispatched" and t.accept_deadline:
        checks.append(("reminder.accept", t.accept_deadline, rules.accept_lead_seconds))
    if t.status in ("dispatched", "accepted") and t.complete_deadline:
        checks.append(("reminder.complete", t.complete_deadline, rules.complete_lead_seconds))
    for template, deadline, lead in checks:
        if now >= deadline or calendar.working_seconds_between(now, deadline) > lead:
            continue
        tag = f"{template.split('.')[1]}:{deadline.isoformat()}"
        if notify_target(s, d, "reminder", template, {"deadline": local_time(deadline)},
                         messaging, now, tag=tag):
            report.reminded.append(t.number)


def _escalate(s: Session, t: Ticket, level: int, missed: datetime, messaging, now) -> None:
    target = t.target_department or t.target_provider
    for lvl in range(t.escalation_level + 1, level + 1):
        users = supervisors_for(s, t, above=lvl - 1)
        notify_supervisors(s, t, users, "escalation.supervisor",
                           {"deadline": local_time(missed), "level": str(lvl)}, messaging, now,
                           tag=f"L{lvl}:{missed.isoformat()}")
    s.add(TicketEvent(ticket_id=t.id, at=now, actor_id=None, actor_role="system", action="escalate",
                      from_status=t.status, to_status=t.status,
                      note=f"督办 level {level}: past {local_time(missed)}",
                      data={"level": level, "deadline": missed.isoformat(),
                            "target": target.name if target else None}))
    t.escalation_level = level
    t.updated_at = now
