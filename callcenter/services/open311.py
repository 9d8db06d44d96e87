"""Open311 GeoReport v2 over our tickets: services from the catalog, requests in and out.

Only tickets that came in through Open311 are listed: a phone or web request was never
offered for publication. Dates are Asia/Shanghai with offset; states fold to open/closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import STATUS_LABELS, TicketStatus, TicketError
from callcenter.models import Region, ServiceItem, Ticket
from callcenter.models.public import Open311Request
from callcenter.models.base import utcnow
from callcenter.services.open311_keys import new_token
from callcenter.services.intake import city_region, system_actor
from callcenter.services.regions import subtree_clause
from callcenter.services.ticket_input import TicketInput
from callcenter.services.tickets import open_ticket

CLOSED = frozenset({"resolved", "revisited", "closed", "cancelled"})
WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
TYPE_NAMES = {"help": "求助", "consult": "咨询", "complaint": "投诉", "suggestion": "建议",
              "praise": "表扬"}
PERSONAL = ("email", "device_id", "account_id", "first_name", "last_name", "phone")


class Open311Error(TicketError):
    """An error in the specification's shape: HTTP status and a description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.code = status


def jurisdiction(session: Session) -> Region:
    return city_region(session)


def check_jurisdiction(session: Session, given: str | None) -> Region:
    city = jurisdiction(session)
    if given and given != city.code:
        raise Open311Error(404, f"jurisdiction_id {given} not found; this endpoint serves {city.code}")
    return city


def list_services(session: Session) -> list[dict]:
    items = session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True))
                            .order_by(ServiceItem.code))
    return [{"service_code": i.code, "service_name": i.name, "description": i.summary or None,
             "metadata": True, "type": "realtime",
             "keywords": ",".join(i.keywords.split()) or None,
             "group": i.category.name if i.category else None} for i in items]


def service_definition(session: Session, code: str) -> dict:
    _item(session, code, 404)
    regions = _regions(session)
    return {"service_code": code, "attributes": [
        {"variable": True, "code": "region", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "街道或社区的区划代码", "order": 1,
         "description": "问题所在的街道或社区", "values": [
             {"key": r.code, "name": r.name} for r in regions]},
        {"variable": True, "code": "type", "datatype": "singlevaluelist", "required": False,
         "datatype_description": None, "order": 2, "description": "诉求类型（默认：求助）",
         "values": [{"key": k, "name": v} for k, v in TYPE_NAMES.items()]},
    ]}


def create_request(session: Session, client_id: int, form: Mapping[str, str], *,
                   now: datetime | None = None, events=None) -> tuple[Ticket, Open311Request]:
    """POST requests: validate as the spec says (400 for bad input) and open the ticket."""
    now = now or utcnow()
    item = _item(session, form.get("service_code") or "", 400)
    lat, long = _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    address = (form.get("address_string") or "").strip()
    if not address and not form.get("address_id") and (lat is None or long is None):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    region = _region_attribute(session, form.get("attribute[region]"))
    kind = form.get("attribute[type]") or "help"
    if kind not in TYPE_NAMES:
        raise Open311Error(400, f"attribute[type] must be one of {', '.join(TYPE_NAMES)}")
    phone = None
    if form.get("phone"):
        phone = try_normalize(form["phone"])
        if phone is None:
            raise Open311Error(400, "phone is not a valid phone number")
    description = (form.get("description") or "").strip()
    if not description or len(description) > 4000:
        raise Open311Error(400, "description is required (at most 4000 characters)")
    media = (form.get("media_url") or "").strip() or None
    if media and not media.startswith(("http://", "https://")):
        raise Open311Error(400, "media_url must be an http(s) URL")
    data = TicketInput(channel="open311", type=kind, region_id=region.id, caller_phone=phone,
                       category_id=item.category_id, address=address[:255],
                       description=f"【{item.name}】{description}")
    ticket = open_ticket(session, system_actor(session), data, now=now, events=events)
    row = Open311Request(ticket_id=ticket.id, client_id=client_id, token=new_token(),
                         service_code=item.code, lat=lat, long=long, media_url=media,
                         address_id=(form.get("address_id") or None),
                         submitted={k: form[k] for k in PERSONAL if form.get(k)})
    session.add(row)
    session.flush()
    return ticket, row


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> "RequestQuery":
        split = lambda name: tuple(v.strip() for v in (args.get(name) or "").split(",") if v.strip())  # noqa: E731
        statuses = split("status")
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, "status must be open, closed or both, comma separated")
        return cls(split("service_request_id"), split("service_code"), statuses,
                   parse_date(args.get("start_date"), "start_date"),
                   parse_date(args.get("end_date"), "end_date"))

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The spec's date range: the last 90 days unless given, never more than 90 days."""
        start, end = self.start, self.end
        if start is None and end is None:
            return now - WINDOW, now
        if start is None:
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        return start, end


def find_requests(session: Session, query: RequestQuery, now: datetime | None = None) -> list[dict]:
    city = jurisdiction(session)
    stmt = select(Ticket, Open311Request, ServiceItem.name) \
        .join(Open311Request, Open311Request.ticket_id == Ticket.id) \
        .outerjoin(ServiceItem, ServiceItem.code == Open311Request.service_code) \
        .where(subtree_clause(Ticket.region_path, city.path))
    if query.ids:
        stmt = stmt.where(Ticket.number.in_(query.ids))
    else:
        start, end = query.window(now or utcnow())
        stmt = stmt.where(Ticket.created_at >= start, Ticket.created_at <= end)
        if query.service_codes:
            stmt = stmt.where(Open311Request.service_code.in_(query.service_codes))
        if len(query.statuses) == 1:
            closed = Ticket.status.in_(CLOSED)
            stmt = stmt.where(closed if query.statuses[0] == "closed" else ~closed)
    rows = session.execute(stmt.order_by(Ticket.created_at.desc()).limit(MAX_RESULTS)).all()
    return [request_dict(t, r, name) for t, r, name in rows]


def get_request(session: Session, number: str) -> dict:
    found = find_requests(session, RequestQuery(ids=(number,)))
    if not found:
        raise Open311Error(404, f"service request {number} not found")
    return found[0]


def by_token(session: Session, token: str) -> dict:
    row = session.scalars(select(Open311Request).where(Open311Request.token == token)).first()
    if row is None:
        raise Open311Error(404, "token not found")
    return {"service_request_id": row.ticket.number, "token": row.token}


def request_dict(ticket: Ticket, extra: Open311Request, service_name: str | None) -> dict:
    closed = ticket.status in CLOSED
    target = ticket.target_department or ticket.target_provider
    notes = (ticket.result or "已办结") if ticket.status != "cancelled" and closed else \
        STATUS_LABELS["zh"][TicketStatus(ticket.status)]
    return {
        "service_request_id": ticket.number, "status": "closed" if closed else "open",
        "status_notes": notes, "service_name": service_name,
        "service_code": extra.service_code, "description": ticket.description,
        "agency_responsible": target.name if target is not None else None,
        "service_notice": None, "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(ticket.closed_at or ticket.resolved_at or ticket.updated_at)
        if closed else w3c(ticket.updated_at),
        "expected_datetime": None if closed else w3c(ticket.complete_deadline),
        "address": ticket.address or None, "address_id": extra.address_id,
        "zipcode": None, "lat": extra.lat, "long": extra.long, "media_url": extra.media_url,
    }


def w3c(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).replace(microsecond=0).isoformat() if value else None


def parse_date(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time like 2026-01-31T09:00:00+08:00") \
            from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def _item(session: Session, code: str, status: int) -> ServiceItem:
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == code,
                                                     ServiceItem.active.is_(True))).first()
    if item is None:
        raise Open311Error(status, f"service_code {code or '(missing)'} not found")
    return item


def _regions(session: Session) -> list[Region]:
    city = jurisdiction(session)
    return list(session.scalars(select(Region).where(
        subtree_clause(Region.path, city.path), Region.level.in_(("street", "community")))
        .order_by(Region.path)))


def _region_attribute(session: Session, code: str | None) -> Region:
    for region in _regions(session):
        if region.code == code:
            return region
    raise Open311Error(400, "attribute[region] must be one of the region codes in the service definition")


def _coordinate(form: Mapping[str, str], name: str, bound: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not -bound <= value <= bound:
        raise Open311Error(400, f"{name} is out of range")
    return value
