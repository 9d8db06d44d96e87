"""What the agent console shows while a phone rings: the screen-pop and the ticket prefill,
plus the duplicate hint beside the ticket form.

The pop is assembled from the live call (as the bridge published it) and the records;
the agent sees masked phones, and the residents matched on the caller's number.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from callcenter.domain.phones import mask, try_normalize
from callcenter.domain.resident_rows import ResidentRecord
from callcenter.domain.tickets import Actor, ValidationError, in_region
from callcenter.models import Region, Resident, Ticket
from callcenter.models.base import utcnow
from callcenter.services.residents import lookup_caller, save_record

OPEN_STATES = ("open", "dispatched", "accepted", "returned")
DUPLICATE_DAYS = 7
RED_TAGS = frozenset({"独居老人", "残疾人", "特困"})
INTENT_TYPE = {"service": "help", "consult": "consult", "complaint": "complaint",
               "status": "consult", "agent": "help"}
INTENT_LABEL = {
    "zh": {"service": "办理服务", "consult": "政策咨询", "complaint": "投诉建议",
           "status": "查询工单", "agent": "人工服务"},
    "en": {"service": "Service request", "consult": "Information", "complaint": "Complaint",
           "status": "Ticket status", "agent": "Agent"},
}


@dataclass(frozen=True)
class DuplicateQuery:
    resident_id: int | None = None
    phone: str | None = None
    category_id: int | None = None
    address: str = ""


def screen_pop(session: Session, actor: Actor, call: dict[str, Any], *, queue_label: str = "",
               lang: str = "zh", now: float | None = None) -> dict[str, Any]:
    """Everything the pop card and the ticket form need, from one live call."""
    number = str(call.get("caller_number") or "")
    matches = lookup_caller(session, number) if number else []
    ivr = call.get("ivr_vars") or {}
    intent = ivr.get("CC_INTENT") or call.get("intent") or ""
    since = call.get("queued_at") or call.get("since")
    residents = [_resident(m, actor) for m in matches]
    return {
        "linkedid": call.get("linkedid"),
        "caller_number": number,
        "caller_masked": mask(try_normalize(number) or number) if number else "",
        "caller_name": call.get("caller_name") or "",
        "residents": residents,
        "ivr": {"intent": intent, "label": INTENT_LABEL.get(lang, INTENT_LABEL["zh"]).get(intent, ""),
                "path": ivr.get("CC_IVR_PATH", ""), "ticket": ivr.get("CC_TICKET", ""),
                "language": ivr.get("CC_LANG", ""), "priority": ivr.get("CC_PRIORITY", "")},
        "queue": {"name": call.get("queue") or "", "label": queue_label or call.get("queue") or ""},
        "waited_since": since,
        "wait_seconds": _wait(call, since, now),
        "prefill": prefill(call, residents),
    }


def _resident(match, actor: Actor) -> dict[str, Any]:
    return {"id": match.resident_id, "name": match.name, "phone_masked": match.phone_masked,
            "address": match.address, "grid": match.grid, "region_id": match.region_id,
            "tags": [{"tag": t, "alert": t in RED_TAGS} for t in match.tags],
            "language": match.language,
            "last_tickets": [{**t, "created_at": _iso(t.get("created_at"))} for t in match.last_tickets]}


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _wait(call: dict[str, Any], since, now: float | None) -> int | None:
    if not isinstance(since, (int, float)):
        return None
    end = call.get("phase_since") if call.get("phase") == "talking" else now
    return int(max(0.0, float(end or since) - float(since)))


def prefill(call: dict[str, Any], residents: list[dict[str, Any]]) -> dict[str, Any]:
    """The ticket form's starting values: phone, the one matched resident, type from the IVR."""
    ivr = call.get("ivr_vars") or {}
    only = residents[0] if len(residents) == 1 else None
    return {"channel": "phone", "caller_phone": call.get("caller_number") or "",
            "resident_id": only["id"] if only else None,
            "address": only["address"] if only else "",
            "region_id": only["region_id"] if only else None,
            "type": INTENT_TYPE.get(ivr.get("CC_INTENT") or "", "help"),
            "priority": "urgent" if only and any(t["alert"] for t in only["tags"]) else "normal",
            "call_linkedid": call.get("linkedid")}


def duplicates(session: Session, actor: Actor, q: DuplicateQuery, *,
               now: datetime | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """Tickets this one may repeat: same resident or phone and category within 7 days,
    or still open at the same address; only those in the agent's scope."""
    now = now or utcnow()
    phone = try_normalize(q.phone) if q.phone else None
    who = [c for c in (Ticket.resident_id == q.resident_id if q.resident_id else None,
                       Ticket.caller_phone == phone if phone else None) if c is not None]
    clauses = []
    if who and q.category_id:
        clauses.append(and_(or_(*who), Ticket.category_id == q.category_id,
                            Ticket.created_at >= now - timedelta(days=DUPLICATE_DAYS)))
    if q.address.strip():
        clauses.append(and_(Ticket.address == q.address.strip(), Ticket.status.in_(OPEN_STATES)))
    if not clauses:
        return []
    rows = session.scalars(select(Ticket).where(or_(*clauses), Ticket.region_path.startswith(
        actor.region_path)).order_by(Ticket.created_at.desc()).limit(limit))
    return [{"number": t.number, "status": t.status, "type": t.type,
             "category": t.category.name if t.category else "", "address": t.address,
             "created_at": t.created_at.isoformat(),
             "why": "same_address" if q.address.strip() and t.address == q.address.strip()
             and t.status in OPEN_STATES else "same_caller_category"} for t in rows]


def create_caller(session: Session, actor: Actor, *, name: str, address: str, phone: str,
                  region_id: int) -> Resident:
    """An unknown caller becomes a resident from two fields (the phone and area are known)."""
    name, address = (name or "").strip(), (address or "").strip()
    if not name or len(name) > 50:
        raise ValidationError("name is required (at most 50 characters)", "name")
    if not address or len(address) > 255:
        raise ValidationError("address is required (at most 255 characters)", "address")
    e164 = try_normalize(phone)
    if e164 is None:
        raise ValidationError("the caller's number is not a valid Chinese phone number", "phone")
    region = session.get(Region, region_id) if isinstance(region_id, int) else None
    if region is None:
        raise ValidationError("choose the area (grid) first", "region_id")
    record = ResidentRecord(row=0, name=name, grid_code=region.code, phones=(e164,), address=address)
    return save_record(session, actor, record)


def resident_in_scope(session: Session, actor: Actor, resident_id: int) -> Resident | None:
    resident = session.get(Resident, resident_id)
    if resident is None or not in_region(actor.region_path, resident.region.path):
        return None
    return resident
