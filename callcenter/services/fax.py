"""Received faxes: every fax becomes a ticket with its pages (or its raw file and the
reading error), matched to a known resident or department by number; agents then turn
it into a proper ticket from the fax work list.

Rendering the TIFF is the adapter's job (integrations/fax_in.py); this module gets
the bytes it produced and never drops what arrived.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain import deadlines
from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import (
    STAFF, TYPES, Actor, ForbiddenError, NotFoundError, ValidationError, in_region)
from callcenter.models import (
    Attachment, Category, Department, Region, Resident, ResidentPhone, Ticket, TicketEvent)
from callcenter.models.base import utcnow
from callcenter.models.public import FaxMessage
from callcenter.ports import EventPublisher
from callcenter.services.attachments import store_bytes
from callcenter.services.intake import city_region, system_actor
from callcenter.services.regions import subtree_clause
from callcenter.services.ticket_input import TicketInput
from callcenter.services.tickets import open_ticket

TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class ReceivedFax:
    """One incoming fax as the adapter read it; `error` set when the file could not be read."""

    source: str  # ami | inbox
    source_key: str  # e.g. "ami:/var/spool/asterisk/fax/1795865163.19.tif" + content hash
    raw: bytes
    raw_name: str
    caller_id: str = ""
    remote_station_id: str = ""
    pages_reported: int | None = None
    pages_png: list[bytes] = field(default_factory=list)
    pdf: bytes | None = None
    resolution: str = ""
    error: str = ""


@dataclass(frozen=True)
class Sender:
    e164: str | None
    resident: Resident | None = None
    department: Department | None = None


def receive_fax(session: Session, fax: ReceivedFax, instance_path: str, *,
                now: datetime | None = None, events: EventPublisher | None = None) -> Ticket | None:
    """Open the fax's ticket with every file attached; None if this fax was taken before."""
    if session.scalar(select(FaxMessage.id).where(FaxMessage.source_key == fax.source_key)):
        return None
    now = now or utcnow()
    sender = match_sender(session, fax.caller_id, fax.remote_station_id)
    region = _region_for(session, sender)
    data = TicketInput(channel="fax", type="help", region_id=region.id, caller_phone=sender.e164,
                       resident_id=sender.resident.id if sender.resident else None,
                       description=describe(fax, sender))
    ticket = open_ticket(session, system_actor(session), data, now=now, events=events)
    _attach(session, ticket, fax, instance_path, now)
    session.add(FaxMessage(
        ticket_id=ticket.id, source=fax.source, source_key=fax.source_key[:255],
        caller_id=fax.caller_id[:40], caller_e164=sender.e164,
        remote_station_id=fax.remote_station_id[:40], pages_reported=fax.pages_reported,
        pages_read=len(fax.pages_png), resolution=fax.resolution[:20], error=fax.error,
        raw_sha256=store_bytes(instance_path, fax.raw), received_at=now,
        resident_id=sender.resident.id if sender.resident else None,
        department_id=sender.department.id if sender.department else None))
    session.flush()
    return ticket


def describe(fax: ReceivedFax, sender: Sender) -> str:
    who = sender.resident.name if sender.resident else (
        sender.department.name if sender.department else "")
    parts = [f"传真来件，共{len(fax.pages_png) or fax.pages_reported or 0}页",
             f"发送方号码：{fax.caller_id or '未知'}",
             f"传真台标：{fax.remote_station_id or '无'}"]
    if who:
        parts.append(f"来自：{who}")
    if fax.error:
        parts.append(f"【传真文件无法完整读取：{fax.error}；原始文件已附上】")
    return "；".join(parts) + "。待坐席阅读后补全诉求内容。"


def match_sender(session: Session, caller_id: str, station_id: str = "") -> Sender:
    """A unique resident on the number, else a department with that number, else nobody."""
    e164 = try_normalize(caller_id) or try_normalize(station_id)
    if e164 is None:
        return Sender(None)
    residents = list(session.scalars(select(Resident).join(ResidentPhone)
                                     .where(ResidentPhone.e164 == e164).distinct()))
    if len(residents) == 1:
        return Sender(e164, resident=residents[0])
    for dept in session.scalars(select(Department).where(Department.active.is_(True))
                                .order_by(Department.id)):
        if e164 in department_numbers(dept):
            return Sender(e164, department=dept)
    return Sender(e164)


def department_numbers(dept: Department) -> set[str]:
    numbers = set()
    for ch in dept.channels or []:
        numbers.update([ch.get("number")] + list(ch.get("numbers") or []))
    for person in (dept.contact or {}).get("people", []):
        numbers.add(person.get("phone"))
    return {n for n in numbers if n}


def intake_region(session: Session) -> Region:
    """Where unmatched faxes land: FAX_REGION_CODE, else our city."""
    return city_region(session, os.environ.get("FAX_REGION_CODE") or None)


def _region_for(session: Session, sender: Sender) -> Region:
    if sender.resident is not None:
        return sender.resident.region
    if sender.department is not None:
        return sender.department.region
    return intake_region(session)


def _attach(session: Session, ticket: Ticket, fax: ReceivedFax, instance_path: str,
            now: datetime) -> None:
    raw_mime = "image/tiff" if fax.raw[:4] in TIFF_MAGIC else "application/octet-stream"
    files = [(f"原始传真-{fax.raw_name}"[:200], fax.raw, raw_mime)]
    files += [(f"第{i}页.png", png, "image/png") for i, png in enumerate(fax.pages_png, 1)]
    if fax.pdf:
        files.append(("传真.pdf", fax.pdf, "application/pdf"))
    for name, data, mime in files:
        session.add(Attachment(ticket_id=ticket.id, filename=name, mime_type=mime,
                               size=len(data), sha256=store_bytes(instance_path, data),
                               created_at=now))


def worklist(session: Session, actor: Actor, *, converted: bool = False,
             limit: int = 200) -> list[FaxMessage]:
    """Faxes in the actor's area, oldest waiting first (or the latest converted ones)."""
    _require_staff(actor)
    order = FaxMessage.received_at.desc() if converted else FaxMessage.received_at.asc()
    return list(session.scalars(
        select(FaxMessage).join(Ticket).where(FaxMessage.converted.is_(converted),
                                              subtree_clause(Ticket.region_path, actor.region_path))
        .order_by(order, FaxMessage.id).limit(limit)))


def get_fax(session: Session, actor: Actor, fax_id: int) -> FaxMessage:
    _require_staff(actor)
    row = session.get(FaxMessage, fax_id)
    if row is None or not in_region(actor.region_path, row.ticket.region_path):
        raise NotFoundError("fax not found")
    return row


@dataclass(frozen=True)
class FaxConversion:
    """What the agent read on the pages; the fax's ticket takes these fields."""

    type: str
    description: str
    category_id: int | None = None
    resident_id: int | None = None
    address: str = ""
    priority: str = "normal"


def convert(session: Session, actor: Actor, fax_id: int, form: FaxConversion, *,
            now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """Fill the fax ticket's fields, with one timeline entry naming every change."""
    now = now or utcnow()
    fax = get_fax(session, actor, fax_id)
    ticket = fax.ticket
    if ticket.status != "open":
        raise ValidationError("只有“已受理”状态的传真工单可以补全", "status")
    changes = _apply_conversion(session, ticket, form, now)
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor_id=actor.user_id,
                            actor_role=actor.role, action="fax_convert", from_status=ticket.status,
                            to_status=ticket.status, note="根据传真内容补全工单", data=changes))
    fax.converted, fax.converted_by_id, fax.converted_at = True, actor.user_id, now
    session.flush()
    if events is not None:
        events.publish("ticket.changed", {"number": ticket.number, "status": ticket.status,
                                          "region_path": ticket.region_path})
    return ticket


def _apply_conversion(session: Session, ticket: Ticket, form: FaxConversion,
                      now: datetime) -> dict:
    if form.type not in TYPES:
        raise ValidationError("请选择工单类型", "type")
    if form.priority not in ("normal", "urgent"):
        raise ValidationError("优先级无效", "priority")
    description = (form.description or "").strip()
    if not description or len(description) > 4000:
        raise ValidationError("请填写诉求内容（最多4000字）", "description")
    category = session.get(Category, form.category_id) if form.category_id else None
    if form.category_id and (category is None or not category.active):
        raise ValidationError("分类无效", "category_id")
    if form.resident_id and session.get(Resident, form.resident_id) is None:
        raise ValidationError("居民不存在", "resident_id")
    values = {"type": form.type, "priority": form.priority, "description": description,
              "category_id": form.category_id, "resident_id": form.resident_id,
              "address": (form.address or "").strip()[:255]}
    changes = {k: v for k, v in values.items() if getattr(ticket, k) != v}
    for key, value in values.items():
        setattr(ticket, key, value)
    ticket.category = category
    policy = deadlines.policy_for(category.deadline_policy if category else None, form.type)
    ticket.complete_deadline = deadlines.completion_deadline(ticket.created_at, form.type,
                                                             form.priority, policy)
    ticket.updated_at = now
    return {k: v for k, v in changes.items() if k != "description"} | (
        {"description": "updated"} if "description" in changes else {})


def _require_staff(actor: Actor) -> None:
    if actor.role not in STAFF:
        raise ForbiddenError("only agents, supervisors and admins read faxes")
