"""Mainland resident ID numbers (GB 11643-1999): check digit, birth date, gender, masking.

>>> check_digit("11010519491231002")
'X'
>>> parse("11010519491231002X").birth_date
datetime.date(1949, 12, 31)
>>> mask("11010519491231002X")
'110***********002X'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    code = "invalid_id_number"


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "M" / "F": the 17th digit is odd for men

    @property
    def last4(self) -> str:
        return self.value[-4:]


def check_digit(first17: str) -> str:
    """The 18th character: ISO 7064 MOD 11-2 over the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def clean(raw: str | None) -> str:
    """Upper-case and strip spaces (Excel users type `x` and add spaces)."""
    return re.sub(r"\s+", "", raw or "").upper().replace("Ｘ", "X")


def parse(raw: str | None, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character ID number and read its birth date and gender."""
    value = clean(raw)
    if not _SHAPE.match(value):
        raise IdNumberError("身份证号应为18位（最后一位可为X）")
    expected = check_digit(value[:17])
    if value[17] != expected:
        raise IdNumberError(f"身份证号校验位错误（应为 {expected}）")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("身份证号中的出生日期无效") from None
    if born.year < 1880 or born > (today or date.today()):
        raise IdNumberError("身份证号中的出生日期无效")
    return IdNumber(value, born, "M" if int(value[16]) % 2 else "F")


def is_valid(raw: str | None) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def mask(value: str | None) -> str:
    """Keep the first 3 and last 4 characters: 110***********1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
