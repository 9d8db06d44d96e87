"""Caller numbers as Asterisk gives them, normalised to E.164 the way the store keeps them."""
from __future__ import annotations

import re
from functools import lru_cache

ANONYMOUS = {"", "unknown", "anonymous", "restricted", "private"}
# A mainland mobile as Asterisk usually shows it (11 digits, no prefix) that phonenumbers'
# own CN mobile pattern accepts: parsing it would only prepend +86 (no national or carrier
# prefix of CN starts a mobile number), at ~60 µs a number. Tested against try_normalize.
# The pattern is phonenumbers' (PhoneMetadata for CN, mobile), copied so that a call from a
# mobile never imports phonenumbers (~35 ms of each classic AGI process's start-up); a test
# fails when the library's pattern changes.
MOBILE_PATTERN = (r"1(?:610\d|740[0-5])\d{6}"
                  r"|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8}")
_MOBILE = re.compile(MOBILE_PATTERN)


@lru_cache(maxsize=4096)
def normalise_caller(raw: str | None) -> str | None:
    """Return the caller's number in E.164, or None when it is hidden or not a number.

    Cached, and a plain mainland mobile skips the parser: most calls come from a number
    not seen lately, and parsing costs ~60 µs of the call's set-up.

    >>> normalise_caller("13800138000"), normalise_caller("02087654321")
    ('+8613800138000', '+862087654321')
    >>> normalise_caller("+8613800138000"), normalise_caller("unknown")
    ('+8613800138000', None)
    """
    text = (raw or "").strip()
    if len(text) == 11 and text.isascii() and text.isdigit() and _MOBILE.fullmatch(text):
        return "+86" + text
    if text.lower() in ANONYMOUS:
        return None
    from callcenter.domain.phones import try_normalize  # phonenumbers: only when needed

    return try_normalize(text)
