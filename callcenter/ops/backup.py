"""`callcenter backup DIR` / `callcenter restore DIR`: the database and the attachment store
in one folder with a manifest of checksums, restorable on a fresh machine."""
from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from callcenter.config import Settings
from callcenter.ops.database_copy import BackupError, dump, is_sqlite, load, sqlite_path, wipe

FORMAT = 1
MANIFEST = "manifest.json"
FILES_ARCHIVE = "attachments.tar.gz"
# Regenerable or huge folders of the instance that a backup leaves out.
SKIPPED_FOLDERS = ("backups", "sounds")


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    dialect: str
    revision: str | None
    files: dict


def backup(settings: Settings, folder: Path, *, include_recordings: bool = False) -> BackupReport:
    """Write database + attachments + manifest into `folder`, which must be new or empty."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder per backup", "not_empty")
    folder.mkdir(parents=True, exist_ok=True)
    revision = schema_revision(settings.database_url)
    db_name = "database.sqlite" if is_sqlite(settings.database_url) else "database.dump"
    dump(settings.database_url, folder / db_name)
    _archive_instance(settings, folder, include_recordings)
    files = {name: _describe(folder / name) for name in (db_name, FILES_ARCHIVE)}
    dialect = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
    manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(),
                "dialect": dialect, "schema_revision": revision, "database": db_name,
                "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return BackupReport(folder, dialect, revision, files)


def restore(settings: Settings, folder: Path, *, force: bool = False) -> BackupReport:
    """Check the manifest, load the database into an empty target, unpack the files, migrate."""
    manifest = read_manifest(Path(folder))
    dialect = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
    if manifest["dialect"] != dialect:
        raise BackupError(f"this backup is of a {manifest['dialect']} database; DATABASE_URL "
                          f"points at {dialect}", "wrong_dialect")
    _check_archive(Path(folder) / FILES_ARCHIVE, Path(settings.instance_path))
    if has_schema(settings.database_url):
        if not force:
            raise BackupError("the target database already has tables: restore into an empty "
                              "database, or pass --force to replace it", "target_not_empty")
        wipe(settings.database_url)
    load(settings.database_url, Path(folder) / manifest["database"])
    _unpack_instance(Path(folder) / FILES_ARCHIVE, Path(settings.instance_path))
    from callcenter import migrate
    migrate.upgrade(settings.database_url)
    return BackupReport(Path(folder), dialect, manifest["schema_revision"], manifest["files"])


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a callcenter backup", "no_manifest")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}", "bad_manifest") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}",
                          "bad_manifest")
    for name, expected in manifest["files"].items():
        if not (folder / name).is_file():
            raise BackupError(f"{name} is missing from {folder}", "incomplete")
        if _describe(folder / name) != expected:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged",
                              "checksum_mismatch")
    return manifest


def schema_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def has_schema(database_url: str) -> bool:
    if is_sqlite(database_url) and not sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _describe(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def _skipped(settings: Settings, folder: Path, include_recordings: bool) -> set[Path]:
    instance = Path(settings.instance_path).resolve()
    skipped = {instance / name for name in SKIPPED_FOLDERS} | {folder.resolve()}
    if not include_recordings:
        skipped.add(Path(settings.recordings_path).resolve())
    if is_sqlite(settings.database_url):
        db = sqlite_path(settings.database_url).resolve()
        skipped |= {Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")}
    return skipped


def _archive_instance(settings: Settings, folder: Path, include_recordings: bool) -> None:
    instance = Path(settings.instance_path).resolve()
    skipped = _skipped(settings, folder, include_recordings)
    with tarfile.open(folder / FILES_ARCHIVE, "w:gz") as tar:
        if not instance.is_dir():
            return
        for path in sorted(instance.rglob("*")):
            if path.is_file() and not any(p == path or p in path.parents for p in skipped):
                tar.add(path, arcname=str(path.relative_to(instance)), recursive=False)


def _check_archive(archive: Path, instance: Path) -> None:
    """Refuse, before touching anything, an archive with a path that would leave the folder."""
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            try:
                tarfile.data_filter(member, str(instance))
            except tarfile.FilterError as exc:
                raise BackupError(f"{archive.name}: unsafe entry {member.name!r} ({exc})",
                                  "unsafe_archive") from None


def _unpack_instance(archive: Path, instance: Path) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        # The "data" filter refuses absolute paths, "..", links out of the folder and devices.
        tar.extractall(instance, filter="data")
