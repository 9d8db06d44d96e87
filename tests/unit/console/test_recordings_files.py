"""Recordings on disk: a call's file is found by its Shanghai date and Linkedid, never
outside the recordings folder; retention deletes files older than N days, keeps the rest."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from callcenter.models.calls import CallRecord
from callcenter.services import recordings

NOW = datetime(2024, 5, 20, 2, 0, tzinfo=timezone.utc).timestamp()
DAY = 86400


def call(linkedid: str, started: datetime) -> CallRecord:
    return CallRecord(linkedid=linkedid, started_at=started, disposition="answered")


def audio(path, age_days: float = 0.0, data: bytes = b"RIFF") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    at = NOW - age_days * DAY
    os.utime(path, (at, at))


def test_file_is_found_under_the_shanghai_date_of_the_call(tmp_path):
    started = datetime(2024, 5, 20, 17, 30, tzinfo=timezone.utc)   # 01:30 on the 21st in Shanghai
    audio(tmp_path / "2024/05/21/1716226200.42.wav")
    audio(tmp_path / "2024/05/20/1716226200.42.mp3")
    assert recordings.file_for(tmp_path, call("1716226200.42", started)) == \
        tmp_path / "2024/05/21/1716226200.42.wav"


def test_file_in_the_top_folder_is_found_too(tmp_path):
    audio(tmp_path / "1716.7.ogg")
    found = recordings.file_for(tmp_path, call("1716.7", datetime(2024, 5, 20, tzinfo=timezone.utc)))
    assert found == tmp_path / "1716.7.ogg" and recordings.FORMATS[found.suffix] == "audio/ogg"


def test_call_without_a_file_has_no_recording(tmp_path):
    audio(tmp_path / "2024/05/20/other.txt")
    assert recordings.file_for(tmp_path, call("other", datetime(2024, 5, 20, tzinfo=timezone.utc))) is None


@pytest.mark.parametrize("linkedid", ["../secret", "../../secret", "..\\secret", "/secret",
                                      "2024/../../secret"])
def test_linkedid_with_a_path_never_reaches_outside_the_recordings_folder(tmp_path, linkedid):
    root = tmp_path / "recordings"
    audio(root / "2024/05/20/keep.wav")
    audio(tmp_path / "secret.wav")
    audio(root / "2024/secret.wav")
    started = datetime(2024, 5, 20, tzinfo=timezone.utc)
    assert recordings.file_for(root, call(linkedid, started)) is None


def test_retention_deletes_older_files_and_keeps_younger_ones(tmp_path):
    old, edge, young = (tmp_path / "2023/11/01/a.wav", tmp_path / "2023/11/22/b.mp3",
                        tmp_path / "2024/05/19/c.wav")
    audio(old, age_days=201)
    audio(edge, age_days=179.9)
    audio(young, age_days=1)
    assert recordings.purge(tmp_path, 180, now=NOW) == 1
    assert (old.exists(), edge.exists(), young.exists()) == (False, True, True)


def test_retention_removes_emptied_day_folders_but_not_the_root(tmp_path):
    audio(tmp_path / "2023/01/01/a.wav", age_days=500)
    audio(tmp_path / "2024/05/19/c.wav", age_days=1)
    recordings.purge(tmp_path, 180, now=NOW)
    assert not (tmp_path / "2023").exists() and tmp_path.is_dir()
    assert (tmp_path / "2024/05/19/c.wav").exists()


def test_retention_leaves_files_that_are_not_recordings(tmp_path):
    notes = tmp_path / "2023/01/01/README.txt"
    audio(notes, age_days=500)
    assert recordings.purge(tmp_path, 30, now=NOW) == 0 and notes.exists()


def test_retention_does_not_follow_a_link_out_of_the_recordings_folder(tmp_path):
    root, elsewhere = tmp_path / "recordings", tmp_path / "elsewhere"
    audio(elsewhere / "precious.wav", age_days=500)
    root.mkdir()
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)
    recordings.purge(root, 30, now=NOW)
    assert (elsewhere / "precious.wav").exists()


def test_retention_of_less_than_a_day_is_refused(tmp_path):
    audio(tmp_path / "a.wav", age_days=10)
    with pytest.raises(ValueError, match="at least one day"):
        recordings.purge(tmp_path, 0, now=NOW)
    assert (tmp_path / "a.wav").exists()


def test_retention_days_come_from_the_environment_with_180_by_default():
    assert recordings.retention_days({}) == 180
    assert recordings.retention_days({"RECORDINGS_RETENTION_DAYS": "30"}) == 30


def test_retention_days_that_are_not_a_number_are_a_clear_error():
    with pytest.raises(ValueError, match="RECORDINGS_RETENTION_DAYS must be a whole number, not '半年'"):
        recordings.retention_days({"RECORDINGS_RETENTION_DAYS": "半年"})
