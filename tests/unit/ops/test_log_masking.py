"""Logs carry ids, never personal data: phones, ID numbers and secrets are masked."""
from __future__ import annotations

import io
import json
import logging

import pytest

from callcenter.ops.logs import configure_logging, mask_personal_data


@pytest.mark.parametrize("raw, masked", [
    ("来电 13812345678 排队", "来电 *******5678 排队"),
    ("caller +86 138-1234-5678", "caller *******5678"),
    ("caller 8613812345678.", "caller *******5678."),
    ("office 0553-3801234", "office *******1234"),
    ("身份证 11010119900307451X 已核验", "身份证 [id] 已核验"),
    ("old id 110101900307451", "old id [id]"),
    ("AMI_URL=ami://bridge:s3cret!@10.0.0.5:5038", "AMI_URL=ami://bridge:***@10.0.0.5:5038"),
    ("Action: Login Username: cc Secret: hunter2", "Action: Login Username: cc Secret: ***"),
    ("password=abc&x=1", "password=***&x=1"),
])
def test_personal_data_and_secrets_are_masked(raw, masked):
    assert mask_personal_data(raw) == masked


@pytest.mark.parametrize("text", [
    "ticket 20250131-000123 status open",   # ticket numbers stay readable
    "linkedid 1706661234.56 queue hotline",  # Asterisk ids stay readable
    "uniqueid pbx1-1706661234.57",
    "took 1234 ms for 12 rows",
])
def test_ids_and_numbers_that_are_not_personal_stay_readable(text):
    assert mask_personal_data(text) == text


def _log_through(fmt: str, emit) -> str:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(fmt, "INFO", stream=stream)
        emit(logging.getLogger("cc.test"))
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
    return stream.getvalue()


def test_json_lines_hold_level_logger_message_and_extra_fields_masked():
    out = _log_through("json", lambda log: log.warning(
        "call from %s", "13912345678", extra={"call_id": 42, "caller": "13912345678"}))
    entry = json.loads(out)
    assert entry["level"] == "WARNING" and entry["logger"] == "cc.test"
    assert entry["message"] == "call from *******5678"
    assert entry["call_id"] == 42 and entry["caller"] == "*******5678"
    assert entry["ts"].endswith("+08:00")


def test_tracebacks_are_masked_too():
    def emit(log):
        try:
            raise ValueError("no resident with phone 13700001111")
        except ValueError:
            log.exception("lookup failed")
    out = _log_through("json", emit)
    assert "13700001111" not in out and "*******1111" in json.loads(out)["exception"]


def test_text_format_masks_as_well():
    out = _log_through("text", lambda log: log.info("id %s", "110101199003074514"))
    assert "110101199003074514" not in out and "id [id]" in out
