"""Shared fixtures: settings, a migrated database (SQLite by default, PostgreSQL when
DATABASE_URL says so), the Flask app and client, and throwaway Redis/PostgreSQL servers."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from callcenter import migrate  # noqa: E402
from callcenter.bootstrap import build  # noqa: E402
from callcenter.config import Settings  # noqa: E402
from callcenter.models import Base  # noqa: E402
from callcenter.ports import RecordingEvents  # noqa: E402
from servers import PostgresServer, RedisServer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _serialise_compile() -> None:
    """CPython 3.11.7's AST constructor is not thread-safe: two threads compiling at once
    (Jinja templates in a live server's thread, URL rules in the test's) can fail with
    "SystemError: AST constructor recursion depth mismatch". The suite runs servers in
    threads, so it compiles one at a time (python/cpython gh-106905); production code is
    not touched."""
    import builtins
    import threading
    if sys.version_info >= (3, 12) or getattr(builtins.compile, "_serialised", False):
        return
    lock = threading.RLock()
    original = builtins.compile

    def compile(*args, **kwargs):  # noqa: A001 - wraps the builtin of the same name
        with lock:
            return original(*args, **kwargs)

    compile._serialised = True
    builtins.compile = compile


_serialise_compile()
FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The suite's database, migrated once: DATABASE_URL if set, else a SQLite file."""
    url = os.environ.get("DATABASE_URL") or \
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(instance_path=str(tmp_path / "instance"), database_url=database_url,
                    secret_key="test-secret", debug=True)


@pytest.fixture
def container(settings):
    c = build(settings, events=RecordingEvents())
    yield c
    dispatcher = c.extras.pop("dispatcher", None)
    if dispatcher is not None:
        dispatcher.close()  # its delivery threads must not race the clean-up below
    _empty(c.engine)
    c.close()


def _empty(engine) -> None:
    """Remove every row so the next test starts clean, keeping the migrated schema."""
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) +
                              " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def session(container):
    with container.sessions() as s:
        yield s


@pytest.fixture
def app(container):
    from agent_ui import create_app
    application = create_app(container.settings, container=container)
    application.config.update(TESTING=True)
    from agent_ui.hall.common import limiter
    with application.app_context():
        limiter.reset()  # rate-limit counters are process-wide: each test starts from zero
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def world(container):
    """A small region tree with a user of every role, committed."""
    from factories import build_world
    with container.sessions.begin() as s:
        w = build_world(s)
    return w
