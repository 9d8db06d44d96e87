"""Open311 API keys: issued per client by an admin, shown once, stored as SHA-256,
revocable, each with its own rate limit (a flask-limiter string such as "60/hour")."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor, ForbiddenError, NotFoundError, ValidationError
from callcenter.models.base import utcnow
from callcenter.models import Region, User
from callcenter.models.public import Open311Client
from callcenter.services import audit
from callcenter.services.regions import subtree_clause

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
    if actor is not None:
        audit.record(session, actor, "issue_open311_key", "open311_client", client.id,
                     key_prefix=client.key_prefix)
    return client, key


def revoke_key(session: Session, actor: Actor | None, client_id: int,
               now: datetime | None = None) -> Open311Client:
    if actor is not None and actor.role != "admin":
        raise ForbiddenError("only administrators revoke Open311 keys")
    client = session.get(Open311Client, client_id)
    if client is None or (actor is not None and client.id not in _visible_ids(session, actor, client_id)):
        raise NotFoundError("Open311 client not found")
    if actor is not None and client.revoked_at is None:
        audit.record(session, actor, "revoke_open311_key", "open311_client", client.id,
                     key_prefix=client.key_prefix)
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


def visible_clients(session: Session, actor: Actor) -> list[Open311Client]:
    """An admin's clients: those issued by users of its region subtree; CLI-issued ones
    (no issuer) serve the whole hotline, so only an admin at the tree's root sees them."""
    if actor.role != "admin":
        raise ForbiddenError("only administrators manage Open311 keys")
    return list(session.scalars(_scoped(select(Open311Client), actor).order_by(Open311Client.id)))


def _visible_ids(session: Session, actor: Actor, client_id: int) -> set[int]:
    stmt = _scoped(select(Open311Client.id), actor).where(Open311Client.id == client_id)
    return set(session.scalars(stmt))


def _scoped(stmt, actor: Actor):
    at_root = actor.region_path.count("/") == 2  # "/1/": the node without a parent
    issuer_in_scope = and_(Open311Client.created_by_id.is_not(None),
                           subtree_clause(Region.path, actor.region_path))
    return (stmt.outerjoin(User, User.id == Open311Client.created_by_id)
            .outerjoin(Region, Region.id == User.region_id)
            .where(or_(issuer_in_scope, Open311Client.created_by_id.is_(None)) if at_root
                   else issuer_in_scope))


def _sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
