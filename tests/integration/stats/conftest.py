"""Module-wide fixed data for the statistics tests: built once, read by many tests."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from callcenter.bootstrap import build
from callcenter.config import Settings
from callcenter.models import Base
from callcenter.ports import RecordingEvents


def empty(engine) -> None:
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) +
                              " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture(scope="module")
def module_container(database_url, tmp_path_factory):
    # Production installs the summary hooks in the composition root; here the call tests
    # must not depend on some other module having imported services.tickets first.
    from callcenter.services.stats import maintenance
    maintenance.install()
    settings = Settings(instance_path=str(tmp_path_factory.mktemp("stats")),
                        database_url=database_url, secret_key="test-secret", debug=True)
    c = build(settings, events=RecordingEvents())
    empty(c.engine)
    yield c
    empty(c.engine)
    c.close()


@pytest.fixture(scope="module")
def data(module_container):
    """The world and the hand-counted tickets (stats_dataset.py), read-only for the tests."""
    import stats_dataset
    from factories import build_world
    with module_container.sessions.begin() as s:
        world = build_world(s)
        numbers = stats_dataset.build(s, world)
    with module_container.sessions() as s:
        yield s, world, numbers
