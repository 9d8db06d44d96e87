"""Accounts: password hashing (argon2id), log-in with lock-out, API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor
from callcenter.models import ApiToken, Region, User
from callcenter.models.base import utcnow
from callcenter.models.users import ROLES

_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown-user log-in the same as a real one.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(Exception):
    code = "account_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LoginFailed(AccountError):
    code = "login_failed"


class AccountLocked(AccountError):
    code = "account_locked"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, username: str, password: str, role: str, region: Region,
                display_name: str | None = None, extension: str | None = None,
                department_id: int | None = None, provider_id: int | None = None) -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise AccountError("password must have at least 8 characters")
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=hash_password(password), region=region, extension=extension,
                department_id=department_id, provider_id=provider_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, *, max_failures: int = 5,
                 lockout: timedelta = timedelta(minutes=15), now: datetime | None = None) -> User:
    """Return the user, or raise LoginFailed / AccountLocked; counts failures per account."""
    now = now or utcnow()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise LoginFailed("wrong username or password")
    if user.locked_until and user.locked_until > now:
        raise AccountLocked("too many failed log-ins; try again later")
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
        raise LoginFailed("wrong username or password")
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(session: Session, user: User, name: str = "") -> str:
    """Create an API token; the plain value is shown once and only its hash is kept."""
    token = "cc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_sha256=_sha(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalars(select(ApiToken).where(
        ApiToken.token_sha256 == _sha(token), ApiToken.revoked.is_(False))).first()
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, region_path=user.region.path,
                 department_id=user.department_id, provider_id=user.provider_id)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
