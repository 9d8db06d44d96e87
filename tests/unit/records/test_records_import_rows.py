"""One import row: each bad field is named with its reason; good rows become records."""
from datetime import date

import pytest

from callcenter.domain.resident_rows import HeaderError, map_headers, parse_row
from callcenter.models.residents import TAGS

GOOD = {"name": "张伟", "id_number": "11010519491231002X", "phones": "138 0013 8000；010-6512 3456",
        "address": "北京东路12号", "grid_code": "340202001001001", "tags": "独居老人;低保户"}


def test_a_good_row_becomes_a_record_with_values_read_from_the_id_number():
    record, errors = parse_row(2, GOOD, TAGS)
    assert errors == []
    assert record.birth_date == date(1949, 12, 31) and record.gender == "F"
    assert record.phones == ("+8613800138000", "+861065123456")
    assert record.tags == ("低保户", "独居老人")


@pytest.mark.parametrize("field, value, reason", [
    ("id_number", "110105194912310021", "校验位"),
    ("phones", "12345", "无法识别的电话号码"),
    ("tags", "贫困户", "未知标签"),
    ("name", "", "姓名不能为空"),
    ("grid_code", "", "网格编码不能为空"),
    ("gender", "男", "性别与身份证号不符"),
    ("birth_date", "1950-01-01", "出生日期与身份证号不符"),
    ("birth_date", "去年", "无法识别的日期"),
])
def test_each_bad_field_is_reported_with_row_field_and_reason(field, value, reason):
    record, errors = parse_row(7, {**GOOD, field: value}, TAGS)
    assert record is None
    assert [(e.row, e.field) for e in errors] == [(7, field)]
    assert reason in errors[0].reason


def test_a_row_needs_an_id_number_or_a_phone():
    record, errors = parse_row(3, {**GOOD, "id_number": "", "phones": ""}, TAGS)
    assert record is None and errors[0].field == "id_number"


def test_headers_may_be_chinese_or_english_with_a_bom_in_any_order():
    assert map_headers(["\ufeff姓名", "电话", "网格编码"]) == {0: "name", 1: "phones", 2: "grid_code"}
    assert map_headers(["grid_code", "Name"]) == {0: "grid_code", 1: "name"}


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(HeaderError, match="网格编码"):
        map_headers(["姓名", "电话"])
