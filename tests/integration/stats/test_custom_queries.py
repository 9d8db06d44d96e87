"""User-defined queries: whitelisted specs, the viewer's region only, saved and shared."""
from __future__ import annotations

import pytest

from callcenter.models import User
from callcenter.services import custom_queries as cq


def test_group_by_type_and_month_counts_only_the_viewers_region(data):
    s, world, _ = data
    spec = {"group_by": ["type", "created_at:month"], "measures": [{"fn": "count"}],
            "filters": [{"field": "created_at", "op": "between", "value": ["2025-09-28", "2025-09-30"]}]}
    cols, rows = cq.run(s, world.actors["sup_a"], "tickets", spec)
    assert cols == ["type", "created_at_month", "count"]
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [
        ("complaint", "2025-09-01", 1), ("consult", "2025-09-01", 1), ("help", "2025-09-01", 2)]
    _, rows_b = cq.run(s, world.actors["sup_b"], "tickets", spec)
    assert [(r[0], r[2]) for r in rows_b] == [("consult", 1)]          # T4 only


def test_a_date_filter_means_the_whole_shanghai_day(data):
    s, world, _ = data
    spec = {"filters": [{"field": "created_at", "op": "eq", "value": "2025-10-01"}]}
    assert cq.run(s, world.actors["admin"], "tickets", spec)[1] == [[1]]   # T3 at 00:10 local


def test_measures_and_operators(data):
    s, world, _ = data
    spec = {"measures": [{"fn": "count"}, {"fn": "avg", "field": "satisfaction"}],
            "filters": [{"field": "satisfaction", "op": "not_null"},
                        {"field": "status", "op": "in", "value": ["closed", "revisited"]}]}
    cols, rows = cq.run(s, world.actors["admin"], "tickets", spec)
    assert cols == ["count", "avg_satisfaction"] and rows[0][0] == 2 and float(rows[0][1]) == 4.0


@pytest.mark.parametrize("spec", [
    {"group_by": ["description"]},
    {"group_by": ["created_at"]},
    {"filters": [{"field": "id; drop table tickets", "op": "eq", "value": 1}]},
    {"filters": [{"field": "status", "op": "like", "value": "%"}]},
    {"filters": [{"field": "satisfaction", "op": "gt", "value": "five"}]},
    {"filters": [{"field": "status", "op": "between", "value": ["a"]}]},
    {"measures": [{"fn": "sum", "field": "status"}]},
    {"measures": [{"fn": "exec"}]},
])
def test_anything_outside_the_whitelist_is_refused_with_a_clear_error(data, spec):
    s, world, _ = data
    with pytest.raises(cq.QueryError):
        cq.run(s, world.actors["admin"], "tickets", spec)


def test_partners_cannot_run_queries_and_unknown_subjects_are_refused(data):
    s, world, _ = data
    with pytest.raises(cq.QueryError):
        cq.run(s, world.actors["dept_mz"], "tickets", {})
    with pytest.raises(cq.QueryError):
        cq.run(s, world.actors["admin"], "users", {})


def test_saved_queries_are_shared_by_role_and_replaced_by_name(data):
    s, world, _ = data
    try:
        sup = s.get(User, world.users["sup_a"])
        cq.save(s, sup, "按类型", "tickets", {"group_by": ["type"]}, ["agent"])
        cq.save(s, sup, "按类型", "tickets", {"group_by": ["status"]}, ["agent"])
        with pytest.raises(cq.QueryError):
            cq.save(s, sup, "坏的", "tickets", {"group_by": ["nope"]}, [])
        agent, sup_b = s.get(User, world.users["agent_a1"]), s.get(User, world.users["sup_b"])
        assert [(q.name, q.spec) for q in cq.visible(s, agent)] == [("按类型", {"group_by": ["status"]})]
        assert cq.visible(s, sup_b) == []
    finally:
        s.rollback()  # the module's data stays as built


def test_calls_and_residents_subjects_run(data):
    s, world, _ = data
    assert cq.run(s, world.actors["admin"], "calls", {"group_by": ["disposition"]})[0] == \
        ["disposition", "count"]
    cols, _ = cq.run(s, world.actors["admin"], "residents",
                     {"group_by": ["gender"], "filters": [{"field": "tag", "op": "eq", "value": "独居老人"}]})
    assert cols == ["gender", "count"]
