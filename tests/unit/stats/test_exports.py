"""Exports: BOM-prefixed CSV and XLSX with Chinese headers and Shanghai times."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from callcenter.services.exports import Column, ExportError, Table, export, to_xlsx

TABLE = Table("受理情况/日报", [Column("region", "区域", "Region"), Column("n", "受理量", "Received", "int"),
                             Column("rate", "满意率", "Satisfaction", "rate"),
                             Column("at", "受理时间", "Opened", "datetime"), Column("day", "日期", "Day", "date")],
              [{"region": "街道A1", "n": 3, "rate": 0.5, "at": datetime(2025, 9, 30, 15, 30, tzinfo=timezone.utc),
                "day": date(2025, 9, 30)}])


def test_csv_starts_with_a_bom_and_has_chinese_headers_and_shanghai_times():
    data, mime = export(TABLE, "csv")
    assert data.startswith(b"\xef\xbb\xbf") and mime.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["区域", "受理量", "满意率", "受理时间", "日期"]
    assert rows[1] == ["街道A1", "3", "50.00%", "2025-09-30 23:30:00", "2025-09-30"]


def test_xlsx_keeps_numbers_dates_and_local_times_as_values():
    wb = load_workbook(io.BytesIO(to_xlsx(TABLE, "en")))
    ws = wb.active
    assert ws.title == "受理情况_日报"
    assert [c.value for c in ws[1]] == ["Region", "Received", "Satisfaction", "Opened", "Day"]
    region, n, rate, at, day = (c.value for c in ws[2])
    assert (region, n, rate) == ("街道A1", 3, 0.5) and ws["C2"].number_format == "0.00%"
    assert at == datetime(2025, 9, 30, 23, 30) and day.date() == date(2025, 9, 30)


def test_unknown_format_and_naive_datetimes_are_refused():
    with pytest.raises(ExportError):
        export(TABLE, "pdf")
    naive = Table("x", [Column("at", "时间", kind="datetime")], [{"at": datetime(2025, 1, 1)}])
    with pytest.raises(ExportError):
        export(naive, "csv")
