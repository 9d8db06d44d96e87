"""Migrations are the schema's only source: applied to an empty database they give the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from callcenter import migrate
from callcenter.models import Base
from callcenter.models.catalog import include_name  # search index objects made by raw SQL
from callcenter.store import make_engine


def test_there_is_exactly_one_migration_head():
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_autogenerate_finds_no_difference_after_upgrade(database_url):
    # database_url is migrated to head by the session fixture (SQLite or PostgreSQL).
    engine = make_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_downgrade_upgrade_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'rt.sqlite'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"include_name": include_name}), Base.metadata)
    engine.dispose()
    assert diff == []
