"""Optional TOTP (RFC 6238) second factor for admins and supervisors: enrol with a code from
the authenticator app, then every log-in asks for a fresh code (each code works once)."""
from __future__ import annotations

import time

import pyotp
from sqlalchemy.orm import Session

from callcenter.models import User
from callcenter.models.base import utcnow
from callcenter.models.security import UserTotp

ROLES = frozenset({"admin", "supervisor"})
ISSUER = "社区服务呼叫中心"


class TotpError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def enrolled(session: Session, user_id: int) -> bool:
    row = session.get(UserTotp, user_id)
    return row is not None and row.confirmed_at is not None


def begin_enrolment(session: Session, user: User) -> tuple[str, str]:
    """Start (or restart) enrolment: a new secret and its otpauth:// URI for the app."""
    if user.role not in ROLES:
        raise TotpError("not_allowed", "two-factor log-in is for admins and supervisors")
    if enrolled(session, user.id):
        raise TotpError("already_enrolled", "disable the current authenticator first")
    secret = pyotp.random_base32()
    row = session.get(UserTotp, user.id) or UserTotp(user_id=user.id)
    row.secret, row.confirmed_at, row.last_step = secret, None, 0
    session.add(row)
    session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return secret, uri


def _accept(row: UserTotp, code: str, at: float | None) -> bool:
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp, now = pyotp.TOTP(row.secret), time.time() if at is None else at
    for drift in (-1, 0, 1):  # one step of clock skew either way
        step = int(now // 30) + drift
        if step > row.last_step and totp.verify(code, for_time=step * 30):
            row.last_step = step
            return True
    return False


def confirm_enrolment(session: Session, user: User, code: str, at: float | None = None) -> bool:
    row = session.get(UserTotp, user.id)
    if row is None or row.confirmed_at is not None:
        raise TotpError("not_enrolling", "start enrolment first")
    if not _accept(row, code, at):
        return False
    row.confirmed_at = utcnow()
    return True


def verify(session: Session, user_id: int, code: str, at: float | None = None) -> bool:
    """Check a log-in code; False for a wrong, malformed or already used one."""
    row = session.get(UserTotp, user_id)
    if row is None or row.confirmed_at is None:
        return False
    return _accept(row, code, at)


def disable(session: Session, user: User, code: str, at: float | None = None) -> bool:
    """Turn the second factor off; needs a current code so a stolen session cannot."""
    row = session.get(UserTotp, user.id)
    if row is None:
        return True
    if row.confirmed_at is not None and not _accept(row, code, at):
        return False
    session.delete(row)
    return True
