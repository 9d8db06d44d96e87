"""Catalog search mid-call: `低保`, `dibao`, `老人 助餐` find the right guide first, and
SQLite (FTS5 trigram) and PostgreSQL (pg_trgm) give the same top results."""
import pytest

from callcenter import migrate
from callcenter.demo import seed
from callcenter.demo.catalog import seed_catalog
from callcenter.domain.tickets import Actor
from callcenter.models import ServiceItem
from callcenter.services.catalog import ItemInput, save_item, search_catalog, set_active
from callcenter.store import make_engine, make_session_factory

QUERIES = {
    "低保": "低保申请", "dibao": "低保申请", "老人 助餐": "老年人助餐", "居住证": "居住证办理",
    "jzz": "居住证办理", "路灯不亮": "路灯维修", "漏水": "房屋漏水", "噪音": "噪音扰民",
    "垃圾": "垃圾清运", "残疾人补贴": "残疾人补贴", "独生子女": "独生子女奖励", "欠薪": "欠薪投诉",
    "kaisuo": "开锁换锁", "电梯 困人": "电梯故障",
}


def _seed(sessions) -> None:
    with sessions.begin() as s:
        regions = seed._regions(s)
        categories = seed._categories(s)
        seed_catalog(s, categories, seed._departments(s, regions, categories))


def _top(sessions, query, n=3):
    with sessions() as s:
        return [h.name for h in search_catalog(s, query, n)]


@pytest.fixture
def sqlite_sessions(container):
    _seed(container.sessions)
    return container.sessions


@pytest.mark.parametrize("query, first", QUERIES.items())
def test_the_right_guide_comes_first(sqlite_sessions, query, first):
    assert _top(sqlite_sessions, query)[0] == first


def test_search_uses_the_fts5_trigram_table_on_sqlite(sqlite_sessions):
    with sqlite_sessions() as s:
        if s.bind.dialect.name != "sqlite":
            pytest.skip("SQLite's FTS5 plan: on PostgreSQL the trigram index is checked by "
                        "test_postgresql_gives_the_same_top_results_as_sqlite")
        plan = s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT rowid FROM service_items_fts "
            "WHERE search_text LIKE '%居住证%'").all()
    assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan), plan


def test_retired_items_leave_the_search(sqlite_sessions):
    with sqlite_sessions.begin() as s:
        item = s.query(ServiceItem).filter_by(name="低保申请").one()
        set_active(s, Actor(None, "admin", "/"), item.id, False)
    assert "低保申请" not in _top(sqlite_sessions, "低保", 10)


def test_edits_reach_the_index(sqlite_sessions):
    with sqlite_sessions.begin() as s:
        item = s.query(ServiceItem).filter_by(name="垃圾清运").one()
        data = ItemInput(code=item.code, name="垃圾清运", category_id=item.category_id,
                         keywords=["大件垃圾", "沙发回收"])
        save_item(s, None, data, item.id)
    assert _top(sqlite_sessions, "沙发回收")[0] == "垃圾清运"


def test_an_empty_query_finds_nothing(sqlite_sessions):
    assert _top(sqlite_sessions, "  ") == []


@pytest.mark.postgres
def test_postgresql_gives_the_same_top_results_as_sqlite(sqlite_sessions, postgres_server):
    url = postgres_server.create_database("records_catalog_search")
    migrate.upgrade(url)
    engine = make_engine(url)
    pg = make_session_factory(engine)
    try:
        _seed(pg)
        for query in QUERIES:
            assert _top(pg, query, 5) == _top(sqlite_sessions, query, 5), query
        with pg() as s:
            s.connection().exec_driver_sql("SET enable_seqscan = off")  # the table is tiny
            plan = s.connection().exec_driver_sql(
                "EXPLAIN SELECT id FROM service_items WHERE search_text ILIKE '%%居住证%%'").all()
        assert "ix_service_items_search_text_trgm" in str(plan), plan
    finally:
        engine.dispose()
