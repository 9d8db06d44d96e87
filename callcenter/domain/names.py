"""Pinyin keys for Chinese text, so 张伟 is found by `zhangwei` and by `zw`.

>>> pinyin_key("张伟"), initials_key("张伟")
('zhangwei', 'zw')
"""
from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def pinyin_key(text: str) -> str:
    """Full toneless pinyin, lower case, no separators (ü is written v: 吕 → lv)."""
    return _NON_ALNUM.sub("", "".join(lazy_pinyin(text or "", v_to_u=False)).lower())


def initials_key(text: str) -> str:
    """First letter of each syllable; non-Chinese words contribute their first letter."""
    parts = lazy_pinyin(text or "", style=Style.FIRST_LETTER, v_to_u=False)
    return _NON_ALNUM.sub("", "".join(parts).lower())


def is_latin_query(text: str) -> bool:
    return bool(text) and all(c.isascii() and (c.isalpha() or c == " ") for c in text)
