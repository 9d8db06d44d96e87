"""Throwaway PostgreSQL and Redis servers on loopback for the test suite.

Each starts on a free port in a temporary folder and stops when the test session
ends. Missing Debian packages are installed (we run as root on CI and dev machines).
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_binary(binary: str, package: str) -> str:
    """Return the path of `binary`, installing the Debian package if it is missing."""
    path = shutil.which(binary)
    if path:
        return path
    if os.geteuid() != 0:
        raise RuntimeError(f"{binary} is missing; install Debian's {package}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
    path = shutil.which(binary)
    if not path:
        raise RuntimeError(f"installing {package} did not provide {binary}")
    return path


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class RedisServer:
    def __init__(self) -> None:
        self.binary = ensure_binary("redis-server", "redis-server")
        self.dir = tempfile.mkdtemp(prefix="cc-redis-")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A temporary cluster (initdb) run as an unprivileged user, trust auth on loopback."""

    def __init__(self) -> None:
        if not PG_BIN_DIRS:
            ensure_binary("pg_ctlcluster", "postgresql")
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)[0]
        self.dir = Path(tempfile.mkdtemp(prefix="cc-pg-"))
        self.port = free_port()
        self.user = _unprivileged_user()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> "PostgresServer":
        data = self.dir / "data"
        run_as = self._run_as()
        os.chown(self.dir, *self._ids())
        subprocess.run([*run_as, str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
                        "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, stdout=subprocess.DEVNULL)
        self.up()
        return self

    def up(self) -> None:
        """Start the cluster (again, after down()) on the same port."""
        subprocess.run([*self._run_as(), str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-w", "-l", str(self.dir / "log"), "-o",
                        f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                        "start"], check=True, stdout=subprocess.DEVNULL)

    def down(self) -> None:
        """Stop the cluster, keeping its data, until up(): the database is unreachable."""
        subprocess.run([*self._run_as(), str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "fast", "-w", "stop"], check=True, stdout=subprocess.DEVNULL)

    def create_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self) -> None:
        """Stop and start the same cluster on the same port: every open connection drops."""
        subprocess.run([*self._run_as(), str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "fast", "-w", "restart"], check=True, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run([*self._run_as(), str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "immediate", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _ids(self) -> tuple[int, int]:
        entry = pwd.getpwnam(self.user) if self.user else None
        return (entry.pw_uid, entry.pw_gid) if entry else (os.getuid(), os.getgid())

    def _run_as(self) -> list[str]:
        return ["runuser", "-u", self.user, "--"] if self.user else []


def _unprivileged_user() -> str | None:
    """PostgreSQL refuses to run as root: use (or create) the `postgres` account."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return "postgres"


def descendants(pid: int) -> list[int]:
    """A process and every process under it, from /proc (RQ puts its work-horse in its own
    process group, so killing the group is not enough)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


@contextlib.contextmanager
def wsgi_server(app):
    """The app on a free loopback port in a thread (werkzeug, threaded); yields its URL."""
    from werkzeug.serving import make_server
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
