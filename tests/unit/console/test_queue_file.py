"""The queue → region file (callcenter/services/queues.yaml): what it means, and a clear
QueueConfigError naming the entry for every way it can be wrong."""
from __future__ import annotations

import pytest

from callcenter.services.queue_directory import DEFAULT_FILE, QueueConfigError, QueueDef, load_queues


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "queues.yaml"
    path.write_bytes(text.encode(encoding))
    return path


def refused(tmp_path, text: str, encoding: str = "utf-8") -> str:
    with pytest.raises(QueueConfigError) as info:
        load_queues(write(tmp_path, text, encoding))
    return str(info.value)


def test_shipped_file_maps_each_queue_to_a_region_with_its_thresholds():
    queues = {q.name: q for q in load_queues(DEFAULT_FILE)}
    assert {"hotline", "complaint", "care", "bjl", "haidian"} <= set(queues)
    assert (queues["care"].region_code, queues["care"].service_level_seconds,
            queues["care"].wait_alert_seconds) == ("340202", 10, 30)
    assert queues["bjl"].members == ("8001", "8002")


def test_omitted_thresholds_default_to_15_s_service_level_and_60_s_alert(tmp_path):
    [q] = load_queues(write(tmp_path, "queues:\n  - {name: q1, region: '340202'}\n"))
    assert q == QueueDef("q1", "q1", "340202", 15, 60, 15, ())


def test_numbers_written_without_quotes_are_read_as_codes(tmp_path):
    [q] = load_queues(write(tmp_path, "queues:\n  - {name: q1, region: 340202, members: [8001]}\n"))
    assert (q.region_code, q.members) == ("340202", ("8001",))


def test_the_file_named_by_callcenter_queues_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLCENTER_QUEUES", str(write(tmp_path, "queues:\n  - {name: mine, region: '1'}\n")))
    assert [q.name for q in load_queues()] == ["mine"]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(QueueConfigError, match="cannot read queue file .*nope.yaml"):
        load_queues(tmp_path / "nope.yaml")


def test_broken_yaml_is_a_clear_error(tmp_path):
    assert "cannot read queue file" in refused(tmp_path, "queues: [\n")


def test_file_not_in_utf8_is_a_clear_error(tmp_path):
    assert "cannot read queue file" in refused(tmp_path, "queues:\n  - {name: q1, region: '1', label: 综合}\n",
                                               encoding="gbk")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "queues: hotline\n", "queue: []\n"])
def test_file_without_a_queues_list_is_refused(tmp_path, text):
    assert "expected a mapping with a 'queues' list" in refused(tmp_path, text)


def test_entry_that_is_not_a_mapping_is_named(tmp_path):
    assert "queues[1]: expected a mapping" in refused(tmp_path, "queues:\n  - {name: a, region: '1'}\n  - b\n")


@pytest.mark.parametrize("name", ["Hotline", "热线", "a b", "''", "x/y"])
def test_queue_name_outside_lower_case_letters_digits_dash_underscore_is_refused(tmp_path, name):
    assert "queues[0]: name must be" in refused(tmp_path, f"queues:\n  - {{name: {name}, region: '1'}}\n")


@pytest.mark.parametrize("region", ["", "region: ''", "region: null", "region: "])
def test_queue_without_a_region_is_refused(tmp_path, region):
    entry = "{name: q1" + (f", {region}" if region else "") + "}"
    assert "queues[0]: region (a region code) is required" in refused(tmp_path, f"queues:\n  - {entry}\n")


def test_queue_listed_twice_is_refused(tmp_path):
    text = "queues:\n  - {name: q1, region: '1'}\n  - {name: q1, region: '2'}\n"
    assert "queue 'q1' is listed twice" in refused(tmp_path, text)


@pytest.mark.parametrize("value", ["-1", "true", "'15'", "1.5", "null"])
def test_threshold_that_is_not_whole_seconds_is_refused(tmp_path, value):
    text = f"queues:\n  - {{name: q1, region: '1', service_level_seconds: {value}}}\n"
    assert "service_level_seconds must be a whole number of seconds" in refused(tmp_path, text)


@pytest.mark.parametrize("members", ["'8001'", "8001", "{a: 1}"])
def test_members_that_are_not_a_list_are_refused(tmp_path, members):
    text = f"queues:\n  - {{name: q1, region: '1', members: {members}}}\n"
    assert "queues[0]: members must be a list of extensions" in refused(tmp_path, text)
