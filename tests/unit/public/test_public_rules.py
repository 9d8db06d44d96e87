"""Pure rules of the public channels, in milliseconds: file sniffing, hall form checks,
Open311 date windows and status folding, fax sheet wrapping, XML element names."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agent_ui.open311.render import to_xml
from callcenter.domain.tickets import ValidationError
from callcenter.services.open311 import Open311Error, RequestQuery, parse_date
from callcenter.services.attachments import Upload, sniff
from callcenter.services.public_requests import HallRequest, check_files

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)
FORM = {"service_code": "X", "type": "help", "description": "楼道灯坏了很久", "region_code": "1",
        "address": "", "phone": "13800138000"}


def test_file_types_are_read_from_the_bytes_not_the_name():
    assert sniff(b"%PDF-1.7") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"<svg onload=alert(1)>") is None


def test_a_file_over_ten_megabytes_is_refused():
    with pytest.raises(ValidationError, match="10MB"):
        check_files([Upload("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024))])


def test_an_empty_file_is_refused_and_no_file_is_fine():
    with pytest.raises(ValidationError, match="空"):
        check_files([Upload("a.png", b"")])
    assert check_files([]) == []


@pytest.mark.parametrize("field, value, message", [
    ("description", "短", "至少5个字"), ("type", "spam", "诉求类型"),
    ("phone", "12345", "手机号码"), ("phone", "0553-3110001", "手机"), ("region_code", "", "街道")])
def test_the_hall_form_names_the_field_to_fix(field, value, message):
    with pytest.raises(ValidationError, match=message) as err:
        HallRequest.parse({**FORM, field: value})
    assert err.value.field == field


def test_the_hall_form_normalises_the_phone():
    assert HallRequest.parse({**FORM, "phone": "138 0013 8000"}).phone == "+8613800138000"


def test_open311_defaults_to_the_last_ninety_days():
    start, end = RequestQuery().window(NOW)
    assert (end - start, end) == (timedelta(days=90), NOW)
    only_start = RequestQuery(start=NOW - timedelta(days=10)).window(NOW)
    assert only_start[1] - only_start[0] == timedelta(days=90)


def test_open311_refuses_a_span_over_ninety_days_and_a_reversed_one():
    with pytest.raises(Open311Error) as err:
        RequestQuery(start=NOW - timedelta(days=91), end=NOW).window(NOW)
    assert err.value.status == 400
    with pytest.raises(Open311Error):
        RequestQuery(start=NOW, end=NOW - timedelta(days=1)).window(NOW)


def test_open311_dates_without_an_offset_are_read_as_beijing_time():
    assert parse_date("2026-01-31T09:00:00", "start_date").utcoffset() == timedelta(hours=8)
    assert parse_date("2026-01-31T09:00:00Z", "start_date").utcoffset() == timedelta(0)
    with pytest.raises(Open311Error):
        parse_date("yesterday", "start_date")


def test_open311_status_filter_accepts_only_open_and_closed():
    assert RequestQuery.parse({"status": "open,closed"}).statuses == ("open", "closed")
    with pytest.raises(Open311Error):
        RequestQuery.parse({"status": "dispatched"})


def test_xml_lists_use_the_specified_child_names():
    xml = to_xml("service_definition", None, {"attributes": [{"values": [{"key": "a", "name": "b"}]}]})
    assert b"<attributes><attribute><values><value><key>a</key><name>b</name></value>" in xml
