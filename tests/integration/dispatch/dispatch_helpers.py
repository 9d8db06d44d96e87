"""Helpers for dispatch tests: tickets, target channels, Shanghai times."""
from __future__ import annotations

from datetime import datetime

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import Department, Provider
from callcenter.services import tickets as ticket_service
from callcenter.services.ticket_input import TicketInput

SECRET = "whsec-test-0123456789"


def set_channels(container, kind: str, target_id: int, channels: list[dict]) -> None:
    model = Department if kind == "department" else Provider
    with container.sessions.begin() as s:
        s.get(model, target_id).channels = channels


def open_ticket(container, world, *, actor="agent_a1", grid="gridA1", when=None, **kw) -> str:
    data = TicketInput(channel="phone", type=kw.pop("type", "help"),
                       description=kw.pop("description", "楼道灯不亮，请派人维修"),
                       region_id=world.regions[grid], category_id=world.categories["SRV-SD"],
                       address=kw.pop("address", "幸福路1号3栋"),
                       caller_phone=kw.pop("caller_phone", "+8613800138000"), **kw)
    with container.sessions.begin() as s:
        return ticket_service.open_ticket(s, world.actors[actor], data, now=when).number


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)
