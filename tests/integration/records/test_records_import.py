"""Resident import: good rows land, each bad row is named, re-import is a no-op, undo works."""
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from callcenter.models import Region, Resident, ResidentImport
from callcenter.services.resident_files import FileFormatError
from callcenter.services.resident_import import import_residents, undo_import
from records_helpers import id_number

HEADER = ["姓名", "性别", "出生日期", "身份证号", "电话", "地址", "网格编码", "标签"]


def _rows(grid: str) -> list[list[str]]:
    return [
        ["张伟", "女", "1949-12-31", id_number("34020219491231002"), "138 0013 8000；0553-3110001",
         "北京东路12号", grid, "独居老人"],
        ["李娜", "", "", "", "+86 139 0013 9000", "北京东路12号", grid, ""],
        ["王强", "男", "", "340202198001010010", "13700137000", "", grid, ""],      # bad check digit
        ["赵文", "", "", "", "12345", "", grid, ""],                                  # bad phone
        ["孙丽", "", "", "", "13600136000", "", "999999", ""],                        # unknown grid
        ["周杰", "", "", "", "13500135000", "", grid, "贫困户"],                       # unknown tag
        ["", "", "", "", "", "", "", ""],                                            # blank: skipped
    ]


def _csv(rows, encoding="utf-8-sig") -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def grid(container, world):
    # Short-lived sessions: on SQLite an open transaction would hold the write lock the
    # import's own batch transactions need.
    with container.sessions() as s:
        return s.get(Region, world.regions["gridA1"]).code


def _scalar(container, stmt):
    with container.sessions() as s:
        return s.scalar(stmt)


EXPECTED_BAD = [(4, "id_number"), (5, "phones"), (6, "grid_code"), (7, "tags")]


@pytest.mark.parametrize("make, name", [
    (lambda r: _csv(r, "utf-8-sig"), "bom.csv"), (lambda r: _csv(r, "utf-8"), "plain.csv"),
    (lambda r: _csv(r, "gb18030"), "excel.csv"), (_xlsx, "sheet.xlsx"),
], ids=["utf8-bom", "utf8", "gb18030", "xlsx"])
def test_good_rows_land_and_each_bad_row_is_named(container, world, grid, make, name):
    report = import_residents(container.sessions, world.actors["sup_a"], make(_rows(grid)), name)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(e.row, e.field) for e in report.rejected] == EXPECTED_BAD
    assert all(e.reason for e in report.rejected)
    with container.sessions() as s:
        zhang = s.scalars(select(Resident).where(Resident.name == "张伟")).one()
        assert [p.e164 for p in zhang.phones] == ["+8613800138000", "+865533110001"]
        assert zhang.tag_names == ["独居老人"] and zhang.gender == "F"
        assert zhang.name_initials == "zw"


def test_reimporting_the_same_file_changes_nothing(container, world, grid):
    data = _csv(_rows(grid))
    import_residents(container.sessions, world.actors["sup_a"], data, "a.csv")
    before = _scalar(container, select(func.max(Resident.updated_at)))
    again = import_residents(container.sessions, world.actors["sup_a"], data, "a.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _scalar(container, select(func.count()).select_from(Resident)) == 2
    assert _scalar(container, select(func.max(Resident.updated_at))) == before


def test_a_changed_row_updates_the_resident_matched_by_id_number(container, world, grid):
    rows = _rows(grid)
    import_residents(container.sessions, world.actors["sup_a"], _csv(rows), "a.csv")
    rows[0][5] = "范罗山路1号"
    report = import_residents(container.sessions, world.actors["sup_a"], _csv(rows), "b.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert _scalar(container, select(Resident.address).where(Resident.name == "张伟")) == "范罗山路1号"


def test_undo_removes_created_and_restores_updated_residents(container, world, grid):
    rows = _rows(grid)
    import_residents(container.sessions, world.actors["sup_a"], _csv(rows), "a.csv")
    rows[0][5] = "范罗山路1号"
    rows.append(["吴刚", "", "", "", "13300133000", "", grid, ""])
    second = import_residents(container.sessions, world.actors["sup_a"], _csv(rows), "b.csv")
    with container.sessions.begin() as s:
        counts = undo_import(s, world.actors["sup_a"], second.import_id)
    assert counts == {"deleted": 1, "restored": 1, "kept": 0}
    with container.sessions() as s:
        names = dict(s.execute(select(Resident.name, Resident.address)).all())
        assert s.get(ResidentImport, second.import_id).status == "undone"
    assert names == {"张伟": "北京东路12号", "李娜": "北京东路12号"}


def test_a_dry_run_reports_but_writes_nothing(container, world, grid):
    report = import_residents(container.sessions, world.actors["sup_a"], _csv(_rows(grid)),
                              "a.csv", dry_run=True)
    assert report.created == 2 and len(report.rejected) == 4
    assert _scalar(container, select(func.count()).select_from(Resident)) == 0
    assert _scalar(container, select(func.count()).select_from(ResidentImport)) == 0


def test_grids_outside_the_importers_region_are_rejected(container, world):
    other = _scalar(container, select(Region.code).where(Region.id == world.regions["gridB1"]))
    report = import_residents(container.sessions, world.actors["sup_a"],
                              _csv([["王强", "", "", "", "13700137000", "", other, ""]]), "a.csv")
    assert [(e.row, e.field) for e in report.rejected] == [(2, "grid_code")]


def test_duplicate_rows_in_one_file_are_rejected_after_the_first(container, world, grid):
    row = ["李娜", "", "", "", "13900139000", "", grid, ""]
    report = import_residents(container.sessions, world.actors["sup_a"], _csv([row, row]), "a.csv")
    assert report.created == 1 and [(e.row, e.reason) for e in report.rejected] == [(3, "与第2行重复")]


@pytest.mark.parametrize("data, message", [
    (b"", "没有表头"), (_csv([]).replace("网格编码".encode(), b"grid"), "网格编码"),
    (b"\xff\xfe\x00\x00garbage\x81", "编码"), (b"PK\x03\x04broken", "XLSX"),
])
def test_unreadable_files_are_refused_with_a_reason_and_write_nothing(container, world, data,
                                                                      message):
    with pytest.raises(FileFormatError, match=message):
        import_residents(container.sessions, world.actors["sup_a"], data, "x.csv")


def test_progress_is_reported_per_batch(container, world, grid):
    rows = [["居民", "", "", "", f"1380013{i:04d}", "", grid, ""] for i in range(25)]
    seen = []
    import_residents(container.sessions, world.actors["sup_a"], _csv(rows), "a.csv", batch_size=10,
                     progress=lambda done, total: seen.append((done, total)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_the_cli_prints_a_json_report_and_fails_when_rows_are_rejected(container, world, grid,
                                                                        tmp_path, monkeypatch):
    from callcenter.cli import main
    monkeypatch.setenv("DATABASE_URL", container.settings.database_url)
    path = tmp_path / "residents.csv"
    path.write_bytes(_csv(_rows(grid)))
    result = CliRunner().invoke(main, ["residents", "import", str(path), "--json"])
    assert result.exit_code == 1, result.output
    body = json.loads(result.output)
    assert body["imported"] == 2 and body["unchanged"] == 0
    assert [(r["row"], r["field"]) for r in body["rejected"]] == EXPECTED_BAD
    again = CliRunner().invoke(main, ["residents", "import", str(path), "--json", "--dry-run"])
    assert json.loads(again.output)["unchanged"] == 2


def test_the_cli_template_has_the_import_columns(tmp_path):
    from callcenter.cli import main
    from callcenter.services.resident_files import read_rows
    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(main, ["residents", "template", "-o", str(out)]).exit_code == 0
    header, rows = read_rows(out.read_bytes(), "t.xlsx")
    assert header == HEADER and rows == []
