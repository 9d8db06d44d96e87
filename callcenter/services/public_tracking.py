"""A ticket as its resident sees it: progress in plain words, the deadline, the result.

Staff names, internal notes and return reasons stay inside: each step is told by what
it means for the resident, never by what the staff wrote.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import STATUS_LABELS, NotFoundError, TicketStatus
from callcenter.models import Department, Provider, Ticket

STEP_WORDS = {
    "create": "我们收到了您的诉求，已登记受理。",
    "dispatch": "已转交{target}办理。",
    "accept": "{target}已接手，正在办理。",
    "return": "承办单位认为需要重新安排，我们正在另找合适的单位。",
    "recall": "我们正在重新安排办理单位。",
    "resolve": "已办理完毕。",
    "revisit": "已完成回访。",
    "close": "工单已归档。",
    "cancel": "工单已撤销。",
    "reopen": "重新开始办理。",
}
RATEABLE = TicketStatus.RESOLVED.value


@dataclass(frozen=True)
class Step:
    at: str
    words: str


@dataclass(frozen=True)
class TrackedTicket:
    number: str
    status: str
    status_label: str
    category: str
    created_at: str
    deadline: str
    result: str
    rateable: bool
    satisfaction: int | None
    steps: list[Step]


def track(session: Session, number: str) -> TrackedTicket:
    """What the tracking page shows; only call after the phone was verified."""
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        raise NotFoundError("ticket not found")
    status = TicketStatus(ticket.status)
    done = status in (TicketStatus.RESOLVED, TicketStatus.REVISITED, TicketStatus.CLOSED)
    return TrackedTicket(
        number=ticket.number, status=status.value, status_label=STATUS_LABELS["zh"][status],
        category=ticket.category.name if ticket.category else "",
        created_at=local(ticket.created_at),
        deadline="" if done or status == TicketStatus.CANCELLED else local(ticket.complete_deadline),
        result=(ticket.result or "") if done else "",
        rateable=ticket.status == RATEABLE, satisfaction=ticket.satisfaction,
        steps=[Step(local(e.at), _words(session, e, ticket)) for e in ticket.events if e.action in STEP_WORDS])


def _words(session: Session, event, ticket: Ticket) -> str:
    """Dispatch and accept name who handles it (from the event's own target, if any)."""
    name = "承办单位"
    target = event.data.get("target") if isinstance(event.data, dict) else None
    if isinstance(target, dict) and target.get("kind") in ("department", "provider"):
        row = session.get(Department if target["kind"] == "department" else Provider,
                          target.get("id"))
        name = row.name if row is not None else name
    elif event.action == "accept":
        holder = ticket.target_department or ticket.target_provider
        name = holder.name if holder is not None else name
    return STEP_WORDS[event.action].format(target=name)


def local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M") if value else ""
