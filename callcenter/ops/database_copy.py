"""Copy a database out and back in: pg_dump/pg_restore on PostgreSQL, the online backup API
on SQLite (consistent while the app keeps writing). Passwords go through PGPASSWORD, never
on a command line that `ps` would show."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says what to do."""

    code = "backup_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.code


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_path(database_url: str) -> Path:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up", "no_database_file")
    return Path(path)


def pg_tool(name: str) -> str:
    """Find pg_dump/pg_restore: on PATH, else the newest Debian server install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if not candidates:
        raise BackupError(f"{name} is missing: install Debian's postgresql-client", "no_pg_tools")
    return str(candidates[0])


def _pg_args_env(database_url: str) -> tuple[list[str], dict]:
    url = make_url(database_url)
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _run(argv: list[str], env: dict, what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}", "pg_tool_failed")


def dump(database_url: str, target: Path) -> None:
    """Write the whole database to `target` (custom format on PostgreSQL, a file on SQLite)."""
    if is_sqlite(database_url):
        source = sqlite_path(database_url)
        if not source.exists():
            raise BackupError(f"no SQLite database at {source}", "no_database_file")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    args, env = _pg_args_env(database_url)
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          "--file", str(target), *args], env, "pg_dump")


def load(database_url: str, source: Path) -> None:
    """Load a dump made by `dump` into an empty database."""
    if is_sqlite(database_url):
        path = sqlite_path(database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        return
    args, env = _pg_args_env(database_url)
    _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", *args, str(source)], env, "pg_restore")


def wipe(database_url: str) -> None:
    """Empty the target before a forced restore: drop every table (PostgreSQL: the schema)."""
    if is_sqlite(database_url):
        path = sqlite_path(database_url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
