"""Read side of the partner portals: a job as a partner may see it, and its notices."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.deadlines import is_overdue
from callcenter.domain.phones import mask
from callcenter.domain.tickets import STATUS_LABELS, Actor, TicketStatus
from callcenter.models import Delivery, ExtensionRequest, Ticket
from callcenter.models.base import utcnow
from callcenter.services.notifications import local_time


def job_view(ticket: Ticket, now: datetime | None = None, lang: str = "zh") -> dict:
    """Only what a partner needs: the masked phone and the service address, no identity."""
    now = now or utcnow()
    return {"number": ticket.number, "status": ticket.status,
            "status_label": STATUS_LABELS.get(lang, STATUS_LABELS["zh"])[TicketStatus(ticket.status)],
            "type": ticket.type, "priority": ticket.priority,
            "category": ticket.category.name if ticket.category else "",
            "address": ticket.address, "region": ticket.region.name if ticket.region else "",
            "phone": mask(ticket.caller_phone), "description": ticket.description,
            "result": ticket.result or "",
            "accept_deadline": local_time(ticket.accept_deadline),
            "complete_deadline": local_time(ticket.complete_deadline),
            "overdue": is_overdue(ticket.status, now, ticket.accept_deadline,
                                  ticket.complete_deadline),
            "attachments": [a.filename for a in ticket.attachments]}


def notices_for(session: Session, actor: Actor, limit: int = 20) -> list[dict]:
    """Portal notices (reminders, extension decisions) addressed to this target."""
    kind, target_id = ("department", actor.department_id) if actor.role == "department" \
        else ("provider", actor.provider_id)
    rows = session.scalars(select(Delivery).where(
        Delivery.channel == "portal", Delivery.target_kind == kind, Delivery.target_id == target_id,
        Delivery.purpose != "dispatch").order_by(Delivery.id.desc()).limit(limit)).all()
    return [{"at": local_time(r.created_at), "text": r.body, "ticket": r.ticket.number} for r in rows]


def pending_extension(session: Session, ticket_id: int) -> dict | None:
    row = session.scalars(select(ExtensionRequest).where(
        ExtensionRequest.ticket_id == ticket_id, ExtensionRequest.state == "pending")).first()
    return {"requested": local_time(row.requested_deadline), "reason": row.reason} if row else None
