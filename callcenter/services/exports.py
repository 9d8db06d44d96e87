"""Export any table of figures to CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX.

Headers are Chinese by default; datetimes are written in Asia/Shanghai without a zone,
dates as dates, rates as numbers with a percent format in XLSX.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMATS = ("csv", "xlsx")
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ExportError(ValueError):
    code = "invalid_export"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str = ""
    kind: str = "text"  # text | int | rate | date | datetime | number

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" or not self.en else self.en


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def cell(value, kind: str):
    """The value as written: local naive datetimes, plain dates, numbers kept numeric."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ExportError("naive datetime in an export: store and pass UTC-aware times")
        return value.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    if isinstance(value, dict):
        return "；".join(f"{k}:{v}" for k, v in value.items())
    return value


def to_csv(table: Table, lang: str = "zh") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in table.columns])
    for row in table.rows:
        values = []
        for c in table.columns:
            v = cell(row.get(c.key), c.kind)
            if isinstance(v, datetime):
                v = v.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(v, date):
                v = v.isoformat()
            elif c.kind == "rate" and isinstance(v, float):
                v = f"{v * 100:.2f}%"
            values.append(v)
        writer.writerow(values)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def add_sheet(wb: Workbook, table: Table, lang: str = "zh", first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = _sheet_title(table.title)
    ws.append([c.header(lang) for c in table.columns])
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in table.rows:
        ws.append([cell(row.get(c.key), c.kind) for c in table.columns])
    for idx, col in enumerate(table.columns, start=1):
        fmt = {"rate": "0.00%", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}.get(col.kind)
        if fmt:
            for (c,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                c.number_format = fmt
        ws.column_dimensions[c_letter(idx)].width = max(10, min(40, len(col.header(lang)) * 2 + 4))
    for note in table.notes:
        ws.append([])
        ws.append([note])


def to_xlsx(tables: list[Table] | Table, lang: str = "zh") -> bytes:
    tables = [tables] if isinstance(tables, Table) else tables
    if not tables:
        raise ExportError("nothing to export")
    wb = Workbook()
    for i, t in enumerate(tables):
        add_sheet(wb, t, lang, first=(i == 0))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export(table: Table, fmt: str, lang: str = "zh") -> tuple[bytes, str]:
    """(bytes, mime type) of the table in `fmt`; unknown formats are refused."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}")
    return (to_csv(table, lang) if fmt == "csv" else to_xlsx(table, lang)), MIME[fmt]


def c_letter(idx: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(idx)


def _sheet_title(title: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in title).strip() or "Sheet"
    return clean[:31]
