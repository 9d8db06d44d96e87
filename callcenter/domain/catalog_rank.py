"""How well a service item answers an agent's query: the same score on every database.

The database only finds candidates (every term occurs somewhere); this ranks them, so
SQLite and PostgreSQL give the same order for the same query.

>>> terms("  老人　助餐 ")
['老人', '助餐']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.domain.names import initials_key, is_latin_query, pinyin_key

_SPACES = re.compile(r"[\s　,，;；、]+")


@dataclass(frozen=True)
class ItemText:
    id: int
    code: str
    name: str
    keywords: tuple[str, ...]
    text: str  # everything searchable, lower case


def terms(query: str) -> list[str]:
    return [t for t in _SPACES.split((query or "").strip().lower()) if t][:8]


def is_pinyin(term: str) -> bool:
    return is_latin_query(term)


def searchable_text(name: str, keywords: list[str], body: list[str]) -> str:
    return " ".join([name, *keywords, *body]).lower()


def searchable_pinyin(name: str, keywords: list[str]) -> str:
    """' dibaoshenqing dbsq dibao db ': every key padded with spaces to keep words apart."""
    keys = []
    for word in [name, *keywords]:
        keys += [pinyin_key(word), initials_key(word)]
    return " " + " ".join(k for k in keys if k) + " "


def term_score(item: ItemText, term: str) -> int:
    if is_pinyin(term):
        return _pinyin_score(item, term)
    name = item.name.lower()
    if name == term:
        return 100
    if term in name:
        return 60 + (10 if name.startswith(term) else 0)
    if term in item.keywords:
        return 40
    if any(term in k for k in item.keywords):
        return 30
    return 10 if term in item.text else 0


def _pinyin_score(item: ItemText, term: str) -> int:
    full, first = pinyin_key(item.name), initials_key(item.name)
    if term in (full, first):
        return 100
    if full.startswith(term) or first.startswith(term):
        return 70
    for word in item.keywords:
        if term in (pinyin_key(word), initials_key(word)):
            return 40
    if term in full or any(term in pinyin_key(k) for k in item.keywords):
        return 20
    return 10 if term in item.text else 0


def rank(items: list[ItemText], query: str) -> list[tuple[ItemText, int]]:
    """Items scored against every term, best first; ties by shorter name, then code."""
    ts = terms(query)
    scored = [(item, sum(term_score(item, t) for t in ts)) for item in items]
    scored = [(i, s) for i, s in scored if s > 0]
    return sorted(scored, key=lambda p: (-p[1], len(p[0].name), p[0].code))
