"""Write and read the audit log: every full view of personal data leaves a line here."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor
from callcenter.models import AuditEntry
from callcenter.models.base import utcnow


def record(session: Session, actor: Actor | None, action: str, record_type: str,
           record_id: int | None = None, **detail) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits with what it audits)."""
    entry = AuditEntry(at=utcnow(), user_id=actor.user_id if actor else None,
                       role=actor.role if actor else "system", action=action,
                       record_type=record_type, record_id=record_id, detail=detail)
    session.add(entry)
    session.flush()
    return entry


def entries_for(session: Session, record_type: str, record_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == record_type, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id)))

