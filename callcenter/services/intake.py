"""What the unattended channels (online hall, Open311, fax) share: the system actor that
opens their tickets, the city they default to, and content-addressed file storage.

The system actor is `Actor(user_id=None, role="agent", region_path=<root path>)`: an
agent's rights (open, rate) scoped to the whole tree, with no user behind it, so the
timeline shows no person and `open_ticket`'s role and scope checks still apply.
"""
from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor, NotFoundError
from callcenter.models import Region

SYSTEM_ROLE = "agent"


def root_region(session: Session) -> Region:
    root = session.scalars(select(Region).where(Region.parent_id.is_(None))
                           .order_by(Region.id)).first()
    if root is None:
        raise NotFoundError("the region tree is empty: load regions first")
    return root


def system_actor(session: Session) -> Actor:
    """The actor for tickets nobody on staff typed in (see the module docstring)."""
    return Actor(user_id=None, role=SYSTEM_ROLE, region_path=root_region(session).path)


def city_region(session: Session, code: str | None = None) -> Region:
    """Our city: `code` (or CITY_REGION_CODE), else the first city-level region."""
    code = code or os.environ.get("CITY_REGION_CODE") or None
    stmt = select(Region).where(Region.code == code) if code else \
        select(Region).where(Region.level == "city").order_by(Region.id)
    region = session.scalars(stmt).first()
    if region is None:
        raise NotFoundError(f"no city region {code or ''}".strip())
    return region


def region_by_code(session: Session, code: str) -> Region | None:
    return session.scalars(select(Region).where(Region.code == code)).first()
