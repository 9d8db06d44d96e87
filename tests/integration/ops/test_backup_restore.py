"""`callcenter backup` / `restore`: database and attachments come back whole, on SQLite and
PostgreSQL; damaged or unsafe backups and non-empty targets are refused without damage."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from callcenter import migrate
from callcenter.config import Settings
from callcenter.ops.backup import FILES_ARCHIVE, MANIFEST, _describe, backup, restore
from callcenter.ops.database_copy import BackupError

TABLES = ("regions", "users", "categories", "departments", "providers")


def _seed(settings: Settings) -> None:
    from factories import build_world
    from callcenter.bootstrap import build
    migrate.upgrade(settings.database_url)
    container = build(settings)
    try:
        with container.sessions.begin() as s:
            build_world(s)
    finally:
        container.close()
    folder = Path(settings.instance_path) / "attachments" / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abcdef").write_bytes("传真第1页".encode() * 1000)
    recordings = Path(settings.recordings_path)
    recordings.mkdir(parents=True, exist_ok=True)
    (recordings / "call.wav").write_bytes(b"RIFF" + b"\0" * 100)


def _snapshot(url: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
            rows["usernames"] = sorted(conn.execute(text("SELECT username FROM users")).scalars())
            rows["regions"] = sorted(conn.execute(text("SELECT path FROM regions")).scalars())
            return rows
    finally:
        engine.dispose()


def _sqlite_settings(tmp_path, name: str) -> Settings:
    inst = tmp_path / name
    return Settings(instance_path=str(inst), database_url=f"sqlite:///{inst / 'cc.sqlite'}",
                    secret_key="x")


@pytest.fixture
def pg_pair(postgres_server, tmp_path):
    src = Settings(instance_path=str(tmp_path / "a"), secret_key="x",
                   database_url=postgres_server.create_database("backup_src"))
    dst = Settings(instance_path=str(tmp_path / "b"), secret_key="x",
                   database_url=postgres_server.create_database("backup_dst"))
    return src, dst


def _round_trip(src: Settings, dst: Settings, folder) -> None:
    _seed(src)
    before = _snapshot(src.database_url)
    backup(src, folder)
    restore(dst, folder)
    assert _snapshot(dst.database_url) == before
    restored = Path(dst.instance_path) / "attachments" / "ab" / "abcdef"
    assert restored.read_bytes() == "传真第1页".encode() * 1000


def test_sqlite_backup_restores_database_and_attachments_elsewhere(tmp_path):
    _round_trip(_sqlite_settings(tmp_path, "a"), _sqlite_settings(tmp_path, "b"),
                tmp_path / "backup")


@pytest.mark.postgres
def test_postgresql_backup_restores_database_and_attachments_elsewhere(pg_pair, tmp_path):
    _round_trip(*pg_pair, tmp_path / "backup")


@pytest.mark.postgres
def test_restore_refuses_a_database_that_has_tables_unless_forced(pg_pair, tmp_path):
    src, dst = pg_pair
    _seed(src)
    backup(src, tmp_path / "bk")
    migrate.upgrade(dst.database_url)
    with pytest.raises(BackupError) as err:
        restore(dst, tmp_path / "bk")
    assert err.value.code == "target_not_empty"
    assert _snapshot(dst.database_url)["users"] == 0
    restore(dst, tmp_path / "bk", force=True)
    assert _snapshot(dst.database_url) == _snapshot(src.database_url)


def test_recordings_and_the_database_file_are_not_in_the_attachment_archive(tmp_path):
    src = _sqlite_settings(tmp_path, "a")
    _seed(src)
    backup(src, tmp_path / "bk")
    with tarfile.open(tmp_path / "bk" / FILES_ARCHIVE) as tar:
        names = tar.getnames()
    assert names == ["attachments/ab/abcdef"]


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    src = _sqlite_settings(tmp_path, "a")
    _seed(src)
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "old").write_text("x")
    with pytest.raises(BackupError) as err:
        backup(src, tmp_path / "bk")
    assert err.value.code == "not_empty"


def test_a_damaged_backup_is_refused_and_the_target_stays_untouched(tmp_path):
    src, dst = _sqlite_settings(tmp_path, "a"), _sqlite_settings(tmp_path, "b")
    _seed(src)
    backup(src, tmp_path / "bk")
    dump = tmp_path / "bk" / "database.sqlite"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(BackupError) as err:
        restore(dst, tmp_path / "bk")
    assert err.value.code == "checksum_mismatch"
    assert not (tmp_path / "b").exists()


def test_an_archive_with_a_path_out_of_the_instance_folder_is_refused(tmp_path):
    src, dst = _sqlite_settings(tmp_path, "a"), _sqlite_settings(tmp_path, "b")
    _seed(src)
    folder = tmp_path / "bk"
    backup(src, folder)
    evil = folder / FILES_ARCHIVE
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"][FILES_ARCHIVE] = _describe(evil)  # a forged, consistent manifest
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError) as err:
        restore(dst, folder)
    assert err.value.code == "unsafe_archive"
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "b").exists()


def test_a_folder_without_manifest_is_not_a_backup(tmp_path):
    (tmp_path / "bk").mkdir()
    with pytest.raises(BackupError) as err:
        restore(_sqlite_settings(tmp_path, "b"), tmp_path / "bk")
    assert err.value.code == "no_manifest"


def test_a_postgresql_backup_cannot_be_restored_into_sqlite(tmp_path):
    src = _sqlite_settings(tmp_path, "a")
    _seed(src)
    backup(src, tmp_path / "bk")
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    manifest["dialect"] = "postgresql"
    (tmp_path / "bk" / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError) as err:
        restore(_sqlite_settings(tmp_path, "b"), tmp_path / "bk")
    assert err.value.code == "wrong_dialect"


@pytest.mark.postgres
def test_the_cli_round_trip_never_prints_the_database_password(postgres_server, tmp_path):
    import psycopg
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{postgres_server.port}/postgres",
                         autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS backup_user")
        conn.execute("CREATE ROLE backup_user LOGIN SUPERUSER PASSWORD 'pw-Secret-42'")
    url = postgres_server.create_database("backup_cli").replace(
        "postgres@", "backup_user:pw-Secret-42@")
    src = Settings(instance_path=str(tmp_path / "a"), database_url=url, secret_key="x")
    _seed(src)
    from callcenter.cli import main
    env = {"DATABASE_URL": url, "CALLCENTER_INSTANCE": str(tmp_path / "a"), "SECRET_KEY": "x"}
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "bk")], env=env)
    assert result.exit_code == 0, result.output
    assert "postgresql at schema" in result.output and "pw-Secret-42" not in result.output
    env["DATABASE_URL"] = postgres_server.create_database("backup_cli_dst")
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "bk")], env=env)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "bk")], env=env)
    assert result.exit_code == 1 and "--force" in result.output
