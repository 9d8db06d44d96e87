"""Caller numbers as Asterisk gives them, normalised to E.164 the way the store keeps them."""
from __future__ import annotations

from functools import lru_cache

from callcenter.domain.phones import try_normalize

ANONYMOUS = {"", "unknown", "anonymous", "restricted", "private"}


@lru_cache(maxsize=4096)
def normalise_caller(raw: str | None) -> str | None:
    """Return the caller's number in E.164, or None when it is hidden or not a number.

    Cached: parsing costs ~80 µs, and a FastAGI call start runs twice when it waits for
    the directory (ivr/channel.py engine_call); residents also call again.

    >>> normalise_caller("13800138000"), normalise_caller("02087654321")
    ('+8613800138000', '+862087654321')
    >>> normalise_caller("+8613800138000"), normalise_caller("unknown")
    ('+8613800138000', None)
    """
    text = (raw or "").strip()
    if text.lower() in ANONYMOUS:
        return None
    return try_normalize(text)
