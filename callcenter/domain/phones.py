"""Mainland China phone numbers, normalised to E.164 so every written form matches.

>>> normalize("010-6512 3456") == normalize("+86 10 65123456") == normalize("01065123456")
True
>>> mask("+8613800138000")
'138****8000'
"""
from __future__ import annotations

import phonenumbers


class PhoneError(ValueError):
    code = "invalid_phone"


def normalize(raw: str) -> str:
    """Return the E.164 form of a Chinese number in any usual notation, or raise PhoneError."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("86") and len("".join(c for c in text if c.isdigit())) == 13:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"cannot read phone number {raw!r}: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize(raw: str | None) -> str | None:
    try:
        return normalize(raw or "")
    except PhoneError:
        return None


def national(e164: str) -> str:
    """Digits as dialled inside China: 13800138000, 01065123456."""
    number = phonenumbers.parse(e164, "CN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "").replace("-", "")


def mask(e164: str | None) -> str:
    """Keep the first 3 and last 4 digits of the national form: 138****5678."""
    if not e164:
        return ""
    digits = national(e164) if e164.startswith("+") else e164
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 1)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
