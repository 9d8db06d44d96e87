"""The online service hall (网上服务大厅): a resident's request becomes a draft, the SMS code
turns the draft into a ticket; tracking shows the timeline in plain words; rating.

Drafts keep what was typed and the stored files while the resident waits for the code,
so a slow SMS or an expired code never loses anything.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import NotFoundError, TicketStatus, ValidationError
from callcenter.models import Attachment, Region, Revisit, ServiceItem, Ticket
from callcenter.models.base import utcnow
from callcenter.models.public import HallDraft
from callcenter.ports import EventPublisher
from callcenter.services.attachments import Upload, clean_name, sniff, store_bytes
from callcenter.services.intake import city_region, system_actor
from callcenter.services.regions import subtree_clause
from callcenter.services.ticket_input import TicketInput
from callcenter.services.tickets import apply_action, open_ticket

MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
DRAFT_TTL = timedelta(hours=24)
HALL_TYPES = ("help", "consult", "complaint", "suggestion", "praise")
@dataclass(frozen=True)
class HallRequest:
    service_code: str
    type: str
    description: str
    region_code: str
    address: str
    phone: str

    @classmethod
    def parse(cls, form: dict) -> "HallRequest":
        """Check the form; raise ValidationError naming the first field to fix (in Chinese)."""
        get = lambda name: str(form.get(name) or "").strip()  # noqa: E731
        if not get("service_code"):
            raise ValidationError("请选择要办理的事项", "service_code")
        if get("type") not in HALL_TYPES:
            raise ValidationError("请选择诉求类型", "type")
        description = get("description")
        if len(description) < 5:
            raise ValidationError("请把事情说清楚（至少5个字）", "description")
        if len(description) > 2000:
            raise ValidationError("描述请不要超过2000字", "description")
        if not get("region_code"):
            raise ValidationError("请选择所在街道或社区", "region_code")
        if len(get("address")) > 200:
            raise ValidationError("地址请不要超过200字", "address")
        phone = try_normalize(get("phone"))
        if phone is None:
            raise ValidationError("请填写正确的手机号码", "phone")
        if not MOBILE.match(phone):
            raise ValidationError("验证码只能发送到手机，请填写手机号码", "phone")
        return cls(get("service_code"), get("type"), description, get("region_code"),
                   get("address"), phone)


def check_files(uploads: list[Upload]) -> list[tuple[str, bytes, str]]:
    """Photos and PDFs only, 10 MB each, 5 at most: one bad file refuses the lot."""
    uploads = [u for u in uploads if u.filename or u.data]
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"最多上传{MAX_FILES}个文件", "files")
    out = []
    for up in uploads:
        name = clean_name(up.filename, "附件")
        if not up.data:
            raise ValidationError(f"文件“{name}”是空的", "files")
        if len(up.data) > MAX_BYTES:
            raise ValidationError(f"文件“{name}”超过10MB", "files")
        mime = sniff(up.data)
        if mime is None:
            raise ValidationError(f"文件“{name}”不是照片或PDF文件", "files")
        out.append((name, up.data, mime))
    return out


def hall_regions(session: Session) -> list[Region]:
    """Streets and communities of our city, in tree order, for the form's picker."""
    city = city_region(session)
    return list(session.scalars(select(Region).where(
        subtree_clause(Region.path, city.path), Region.level.in_(("street", "community")))
        .order_by(Region.path)))


def create_draft(session: Session, req: HallRequest, uploads: list[Upload], instance_path: str,
                 now: datetime | None = None) -> HallDraft:
    """Validate against the catalog and regions, store the files, keep the draft."""
    now = now or utcnow()
    checked = check_files(uploads)
    _service(session, req.service_code)
    _region(session, req.region_code)
    files = [{"sha256": store_bytes(instance_path, data), "filename": name, "mime_type": mime,
              "size": len(data)} for name, data, mime in checked]
    draft = HallDraft(token=secrets.token_urlsafe(32), phone=req.phone, data=asdict(req),
                      files=files, created_at=now, expires_at=now + DRAFT_TTL)
    session.add(draft)
    session.flush()
    return draft


def get_draft(session: Session, token: str, now: datetime | None = None) -> HallDraft:
    draft = session.scalars(select(HallDraft).where(HallDraft.token == token)).first()
    if draft is None or (draft.ticket_number is None and draft.expires_at <= (now or utcnow())):
        raise NotFoundError("draft not found")
    return draft


def confirm_draft(session: Session, draft: HallDraft, *, now: datetime | None = None,
                  events: EventPublisher | None = None) -> str:
    """Open the ticket (once: a second confirm returns the same number)."""
    if draft.ticket_number:
        return draft.ticket_number
    now = now or utcnow()
    req = HallRequest(**draft.data)
    item = _service(session, req.service_code)
    region = _region(session, req.region_code)
    data = TicketInput(channel="web", type=req.type, region_id=region.id,
                       category_id=item.category_id, caller_phone=req.phone,
                       address=req.address, description=f"【{item.name}】{req.description}")
    ticket = open_ticket(session, system_actor(session), data, now=now, events=events)
    for f in draft.files:
        session.add(Attachment(ticket_id=ticket.id, filename=f["filename"], size=f["size"],
                               mime_type=f["mime_type"], sha256=f["sha256"], created_at=now))
    draft.ticket_number = ticket.number
    session.flush()
    return ticket.number


def phone_matches(session: Session, number: str, phone: str) -> bool:
    """True when `number` is a ticket whose caller phone is `phone` (any notation)."""
    e164 = try_normalize(phone)
    ticket = _ticket(session, number)
    return bool(e164 and ticket is not None and ticket.caller_phone == e164)


def ticket_phone(session: Session, number: str) -> str:
    """The phone the codes for `number` go to; only call after phone_matches said yes."""
    ticket = _ticket(session, number)
    if ticket is None or not ticket.caller_phone:
        raise NotFoundError("ticket not found")
    return ticket.caller_phone


def rate_ticket(session: Session, number: str, score: int, note: str = "", *,
                now: datetime | None = None, events: EventPublisher | None = None) -> Ticket:
    """The resident's own satisfaction score on a resolved ticket (回访 by the web)."""
    ticket = _ticket(session, number)
    if ticket is None:
        raise NotFoundError("ticket not found")
    if ticket.status != TicketStatus.RESOLVED.value:
        raise ValidationError("只有已办结的工单可以评价", "score")
    note = (note or "").strip()[:500]
    now = now or utcnow()
    ticket = apply_action(session, system_actor(session), number, "revisit",
                          {"score": score, "note": f"网上评价：{note}" if note else "网上评价"},
                          now=now, events=events)
    session.add(Revisit(ticket_id=ticket.id, provider_id=ticket.target_provider_id,
                        department_id=ticket.target_department_id, score=score, note=note,
                        source="web", at=now))
    session.flush()
    return ticket


def _ticket(session: Session, number: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.number == (number or "").strip())).first()


def _service(session: Session, code: str) -> ServiceItem:
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == code,
                                                     ServiceItem.active.is_(True))).first()
    if item is None:
        raise ValidationError("请选择要办理的事项", "service_code")
    return item


def _region(session: Session, code: str) -> Region:
    allowed = {r.code: r for r in hall_regions(session)}
    if code not in allowed:
        raise ValidationError("请选择所在街道或社区", "region_code")
    return allowed[code]
