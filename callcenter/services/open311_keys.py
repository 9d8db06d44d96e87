"""Open311 API keys: issued per client by an admin, shown once, stored as SHA-256,
revocable, each with its own rate limit (a flask-limiter string such as "60/hour")."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor, ForbiddenError, NotFoundError, ValidationError
from callcenter.models.base import utcnow
from callcenter.models.public import Open311Client

RATE = re.compile(r"^\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def issue_key(session: Session, actor: Actor | None, name: str, *, contact: str = "",
              rate_limit: str = "60/hour", now: datetime | None = None) -> tuple[Open311Client, str]:
    """Create a client and return it with its key (the only time the key is seen).
    `actor=None` is the CLI, trusted like the seed."""
    if actor is not None and actor.role != "admin":
        raise ForbiddenError("only administrators issue Open311 keys")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("client name is required (at most 100 characters)", "name")
    if not RATE.match(rate_limit.strip()):
        raise ValidationError('rate limit must look like "60/hour" or "10 per minute"', "rate_limit")
    key = secrets.token_urlsafe(32)
    client = Open311Client(name=name, contact=contact.strip()[:200], key_sha256=_sha(key),
                           key_prefix=key[:8], rate_limit=rate_limit.strip(),
                           created_by_id=actor.user_id if actor else None,
                           created_at=now or utcnow())
    session.add(client)
    session.flush()
    return client, key


def revoke_key(session: Session, actor: Actor | None, client_id: int,
               now: datetime | None = None) -> Open311Client:
    if actor is not None and actor.role != "admin":
        raise ForbiddenError("only administrators revoke Open311 keys")
    client = session.get(Open311Client, client_id)
    if client is None:
        raise NotFoundError("Open311 client not found")
    client.revoked_at = client.revoked_at or now or utcnow()
    session.flush()
    return client


def client_for_key(session: Session, key: str | None) -> Open311Client | None:
    """The live client holding `key`, or None (unknown or revoked)."""
    if not key:
        return None
    client = session.scalars(select(Open311Client).where(
        Open311Client.key_sha256 == _sha(key))).first()
    if client is None or client.revoked_at is not None:
        return None
    return client


def list_clients(session: Session) -> list[Open311Client]:
    return list(session.scalars(select(Open311Client).order_by(Open311Client.id)))


def _sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
