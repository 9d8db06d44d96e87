"""Validate the fields of a new ticket from any channel (API, console, fax, web)."""
from __future__ import annotations

from dataclasses import dataclass

from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import CHANNELS, PRIORITIES, TYPES, ValidationError

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 255


@dataclass(frozen=True)
class TicketInput:
    channel: str
    type: str
    description: str
    region_id: int
    category_id: int | None = None
    priority: str = "normal"
    caller_phone: str | None = None
    resident_id: int | None = None
    address: str = ""
    call_linkedid: str | None = None

    @classmethod
    def parse(cls, body: object) -> "TicketInput":
        """Check types, enums and sizes; raise ValidationError naming the first bad field."""
        if not isinstance(body, dict):
            raise ValidationError("body must be a JSON object", "body")
        unknown = set(body) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"unknown field {sorted(unknown)[0]!r}", sorted(unknown)[0])
        channel = _enum(body, "channel", CHANNELS, required=True)
        ticket_type = _enum(body, "type", TYPES, required=True)
        priority = _enum(body, "priority", PRIORITIES, default="normal")
        description = _text(body, "description", MAX_DESCRIPTION, required=True)
        address = _text(body, "address", MAX_ADDRESS) or ""
        phone = body.get("caller_phone")
        if phone is not None:
            if not isinstance(phone, str):
                raise ValidationError("caller_phone must be a string", "caller_phone")
            phone = try_normalize(phone)
            if phone is None:
                raise ValidationError("caller_phone is not a valid Chinese phone number", "caller_phone")
        linkedid = _text(body, "call_linkedid", 64)
        return cls(channel=channel, type=ticket_type, description=description,
                   region_id=_int(body, "region_id", required=True),
                   category_id=_int(body, "category_id"), priority=priority, caller_phone=phone,
                   resident_id=_int(body, "resident_id"), address=address, call_linkedid=linkedid)


def _enum(body, name, allowed, required=False, default=None):
    value = body.get(name, default)
    if value is None and not required:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(f"{name} must be one of {', '.join(allowed)}", name)
    return value


def _text(body, name, limit, required=False):
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", name)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", name)
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{name} is required", name)
    if len(value) > limit:
        raise ValidationError(f"{name} is longer than {limit} characters", name)
    return value


def _int(body, name, required=False):
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an integer", name)
    return value
