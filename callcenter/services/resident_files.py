"""Read and write resident spreadsheets: CSV (UTF-8 with/without BOM, GB18030) and XLSX."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from openpyxl import Workbook, load_workbook

from callcenter.domain.resident_rows import COLUMNS

XLSX_MAGIC = b"PK\x03\x04"


class FileFormatError(ValueError):
    code = "bad_file"


def read_rows(data: bytes, filename: str = "") -> tuple[list, list[tuple[int, list]]]:
    """(header, [(spreadsheet row number, cells)]) with blank rows dropped."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    header: list | None = None
    body: list[tuple[int, list]] = []
    for number, cells in rows:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        if header is None:
            header = list(cells)
        else:
            body.append((number, list(cells)))
    if header is None:
        raise FileFormatError("文件为空：没有表头行")
    return header, body


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or else GB18030, which is what Excel in China saves."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileFormatError("无法识别文件编码（请保存为 UTF-8 或 GB18030 的 CSV，或 XLSX）") from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t")
    except csv.Error:
        dialect = csv.excel
    for number, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        yield number, cells


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/… for damaged files
        raise FileFormatError(f"无法读取 XLSX 文件：{exc.__class__.__name__}") from None
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        book.close()


def write_rows(rows: list[list], fmt: str = "csv") -> bytes:
    """The import columns with Chinese headers, then `rows`; CSV gets a BOM for Excel."""
    header = [zh for _, zh in COLUMNS]
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("居民信息")
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(v) for v in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    if fmt != "csv":
        raise FileFormatError(f"unknown format {fmt!r}: csv or xlsx")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
