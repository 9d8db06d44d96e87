"""One-time SMS codes that prove a resident holds the phone they give (online hall).

Only an HMAC of the code is stored; a code lives 10 minutes, allows 5 tries, and a phone
gets at most one code a minute per purpose and five an hour, whatever IP address asks.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import TicketError
from callcenter.models.public import VerificationCode

CODE_TTL = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5
MAX_PER_HOUR = 5
PURPOSES = ("submit", "track")
BODY = "【{name}】您的验证码是{code}，{minutes}分钟内有效，请勿告诉他人。如非本人操作，请忽略本短信。"


class SmsSender(Protocol):
    """Sends one text message now; returns the gateway's reference or raises SmsError."""

    def send_sms(self, to: str, body: str) -> str: ...


class SmsError(Exception):
    code = "sms_failed"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooManyCodesError(TicketError):
    code = "too_many_codes"
    status = 429

    def __init__(self, message: str, wait_seconds: int):
        super().__init__(message, "phone")
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class IssuedCode:
    """What the caller learns: when to allow a resend. `code` only for the demo display."""

    resend_after: int
    code: str


def issue_code(session: Session, phone: str, purpose: str, subject: str, sms: SmsSender,
               secret: str, now: datetime, *, sender_name: str = "社区服务热线") -> IssuedCode:
    """Store a fresh code for (phone, purpose, subject) and text it to `phone`."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    _check_quota(session, phone, purpose, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(VerificationCode(phone=phone, purpose=purpose, subject=subject,
                                 code_hash=_digest(secret, phone, purpose, subject, code),
                                 created_at=now, expires_at=now + CODE_TTL))
    session.flush()
    sms.send_sms(phone, BODY.format(name=sender_name, code=code,
                                    minutes=int(CODE_TTL.total_seconds() // 60)))
    return IssuedCode(int(RESEND_AFTER.total_seconds()), code)


def verify_code(session: Session, phone: str, purpose: str, subject: str, code: str,
                secret: str, now: datetime) -> str:
    """'ok' (and the code is spent), 'wrong', 'expired' or 'locked'; the caller commits
    either way, since a wrong try must count."""
    row = session.scalars(select(VerificationCode).where(
        VerificationCode.phone == phone, VerificationCode.purpose == purpose,
        VerificationCode.subject == subject, VerificationCode.used_at.is_(None))
        .order_by(VerificationCode.id.desc())).first()
    if row is None or row.expires_at <= now:
        return "expired"
    if row.attempts >= MAX_ATTEMPTS:
        return "locked"
    row.attempts += 1
    given = (code or "").strip()
    if not (given.isdigit() and len(given) == 6) or not hmac.compare_digest(
            row.code_hash, _digest(secret, phone, purpose, subject, given)):
        session.flush()
        return "locked" if row.attempts >= MAX_ATTEMPTS else "wrong"
    row.used_at = now
    session.flush()
    return "ok"


def _check_quota(session: Session, phone: str, purpose: str, now: datetime) -> None:
    last = session.scalar(select(func.max(VerificationCode.created_at)).where(
        VerificationCode.phone == phone, VerificationCode.purpose == purpose))
    if last is not None and now - last < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last)).total_seconds()) + 1
        raise TooManyCodesError(f"请{wait}秒后再获取验证码", wait)
    hour = session.scalar(select(func.count()).select_from(VerificationCode).where(
        VerificationCode.phone == phone, VerificationCode.created_at > now - timedelta(hours=1)))
    if hour >= MAX_PER_HOUR:
        raise TooManyCodesError("该号码获取验证码过于频繁，请一小时后再试", 3600)


def _digest(secret: str, phone: str, purpose: str, subject: str, code: str) -> str:
    message = f"{purpose}:{phone}:{subject}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
