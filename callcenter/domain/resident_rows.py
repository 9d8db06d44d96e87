"""One row of a resident import file → a clean record or the reasons it is rejected.

Pure: the service resolves grid codes and writes; this module only reads text.
Row numbers are the spreadsheet's own (the header is row 1), so a clerk finds them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from callcenter.domain import idcard, phones

# (field, Chinese header): the file format, in this order.
COLUMNS = (
    ("name", "姓名"), ("gender", "性别"), ("birth_date", "出生日期"), ("id_number", "身份证号"),
    ("phones", "电话"), ("address", "地址"), ("grid_code", "网格编码"), ("tags", "标签"),
)
HEADERS_ZH = {f: zh for f, zh in COLUMNS}
REQUIRED = ("name", "grid_code")
_ALIASES = {zh: f for f, zh in COLUMNS} | {f: f for f, _ in COLUMNS}
_SPLIT = re.compile(r"[;；]")
_GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d")


class HeaderError(ValueError):
    code = "bad_header"


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class ResidentRecord:
    row: int
    name: str
    grid_code: str
    gender: str | None = None
    birth_date: date | None = None
    id_number: str | None = None
    phones: tuple[str, ...] = ()
    address: str = ""
    tags: tuple[str, ...] = field(default=())


def map_headers(header: list) -> dict[int, str]:
    """Column index → field; Chinese or English names, any order, unknown columns ignored."""
    mapping = {}
    for i, cell in enumerate(header):
        name = str(cell or "").strip().lstrip("\ufeff").lower() if cell is not None else ""
        fld = _ALIASES.get(name) or _ALIASES.get(str(cell or "").strip().lstrip("\ufeff"))
        if fld and fld not in mapping.values():
            mapping[i] = fld
    missing = [HEADERS_ZH[f] for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise HeaderError("缺少必填列：" + "、".join(missing))
    return mapping


def parse_row(row: int, values: dict[str, str], allowed_tags: tuple[str, ...]) -> \
        tuple[ResidentRecord | None, list[RowError]]:
    """Validate every field; a row with any error yields no record."""
    errors: list[RowError] = []

    def bad(fld: str, reason: str) -> None:
        errors.append(RowError(row, fld, reason))

    text = {k: _text(v) for k, v in values.items()}
    name = text.get("name", "")
    if not name:
        bad("name", "姓名不能为空")
    elif len(name) > 50:
        bad("name", "姓名超过50个字")
    grid = text.get("grid_code", "")
    if not grid:
        bad("grid_code", "网格编码不能为空")
    ident = _id_number(text.get("id_number", ""), bad)
    gender = _gender(text.get("gender", ""), ident, bad)
    born = _birth_date(text.get("birth_date", ""), ident, bad)
    numbers = _phones(text.get("phones", ""), bad)
    tags = _tags(text.get("tags", ""), allowed_tags, bad)
    address = text.get("address", "")
    if len(address) > 255:
        bad("address", "地址超过255个字")
    if not errors and ident is None and not numbers:
        bad("id_number", "身份证号和电话至少填写一项")
    if errors:
        return None, errors
    return ResidentRecord(row, name, grid, gender, born, ident.value if ident else None,
                          numbers, address, tags), []


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores codes typed as numbers as floats
    return str(value).strip()


def _id_number(raw: str, bad) -> idcard.IdNumber | None:
    if not raw:
        return None
    try:
        return idcard.parse(raw)
    except idcard.IdNumberError as exc:
        bad("id_number", str(exc))
        return None


def _gender(raw: str, ident, bad) -> str | None:
    if not raw:
        return ident.gender if ident else None
    value = _GENDERS.get(raw.lower())
    if value is None:
        bad("gender", f"性别应为“男”或“女”：{raw}")
    elif ident and value != ident.gender:
        bad("gender", "性别与身份证号不符")
    return value


def _birth_date(raw: str, ident, bad) -> date | None:
    if not raw:
        return ident.birth_date if ident else None
    for fmt in _DATE_FORMATS:
        try:
            value = datetime.strptime(raw[:10] if fmt == "%Y-%m-%d" else raw, fmt).date()
            break
        except ValueError:
            continue
    else:
        bad("birth_date", f"无法识别的日期：{raw}（应为 YYYY-MM-DD）")
        return None
    if ident and value != ident.birth_date:
        bad("birth_date", "出生日期与身份证号不符")
    return value


def _phones(raw: str, bad) -> tuple[str, ...]:
    out: list[str] = []
    for part in (p.strip() for p in _SPLIT.split(raw)):
        if not part:
            continue
        try:
            e164 = phones.normalize(part)
        except phones.PhoneError:
            bad("phones", f"无法识别的电话号码：{part}")
            continue
        if e164 not in out:
            out.append(e164)
    return tuple(out)


def _tags(raw: str, allowed: tuple[str, ...], bad) -> tuple[str, ...]:
    out: list[str] = []
    for part in (p.strip() for p in _SPLIT.split(raw)):
        if not part:
            continue
        if part not in allowed:
            bad("tags", f"未知标签：{part}（可用：{'、'.join(allowed)}）")
        elif part not in out:
            out.append(part)
    return tuple(sorted(out))
