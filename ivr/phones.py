"""Caller numbers as Asterisk gives them, normalised to E.164 for lookup."""
from __future__ import annotations

import phonenumbers

ANONYMOUS = {"", "unknown", "anonymous", "restricted", "private"}


def normalise_caller(raw: str | None, region: str = "CN") -> str | None:
    """Return the caller's number in E.164, or None when it is hidden or not a number.

    >>> normalise_caller("13800138000"), normalise_caller("02087654321")
    ('+8613800138000', '+862087654321')
    >>> normalise_caller("+8613800138000"), normalise_caller("unknown")
    ('+8613800138000', None)
    """
    text = (raw or "").strip()
    if text.lower() in ANONYMOUS:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
