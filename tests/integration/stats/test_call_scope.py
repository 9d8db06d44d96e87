"""Call figures are scoped by region through the queue → region map (queues.yaml): a street
sees its queue, a district its streets' queues, the root the whole hotline (unqueued too)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import json

import pytest
from sqlalchemy import select

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import Region, User
from callcenter.services.calls import record_agent_changes, save_call_records
from callcenter.services.queue_directory import QueueDirectory, load_queues
from callcenter.services.stats import calls as sc
from callcenter.services.stats.call_scope import call_scope
from callcenter.services.stats.periods import DateRange
from factories import _hash
from test_stats_pages import login

DAY = DateRange(date(2025, 3, 3), date(2025, 3, 3))
QUEUES = """queues:
  - name: qa1
    label: 街道A1
    region: "340202001"
  - name: qa2
    label: 街道A2
    region: "340202002"
  - name: qb
    label: 区B
    region: "340207"
    members: ["8005"]
"""


def call(lid, minute, disposition, wait, talk=0, queue=None, agent=None):
    started = datetime(2025, 3, 3, 9, minute, tzinfo=SHANGHAI)
    return {"linkedid": lid, "queue": queue, "disposition": disposition, "wait_seconds": wait,
            "talk_seconds": talk, "answered_by": agent, "started_at": started,
            "ended_at": started + timedelta(seconds=wait + talk)}


@pytest.fixture
def queue_file(tmp_path, monkeypatch):
    path = tmp_path / "queues.yaml"
    path.write_text(QUEUES, encoding="utf-8")
    monkeypatch.setenv("CALLCENTER_QUEUES", str(path))
    return path


@pytest.fixture
def calls(container, world, queue_file):
    container.extras["queues"] = QueueDirectory(load_queues(queue_file))  # the web app's map
    with container.sessions.begin() as s:
        s.add(User(username="sup_a1", display_name="sup_a1", password_hash=_hash(), role="supervisor",
                   region=s.get(Region, world.regions["A1"])))
        save_call_records(s, [
            call("a1-1", 0, "answered", 5, 100, "qa1", "8001"),
            call("a1-2", 1, "abandoned", 20, 0, "qa1"),
            call("a2-1", 2, "answered", 8, 40, "qa2", "8002"),
            call("b-1", 3, "answered", 30, 50, "qb", "8005"),
            call("ivr", 4, "ivr_only", 0),
            call("old", 5, "answered", 1, 10, "hotline", "8001"),   # a queue no longer in the file
        ])
        at = lambda m: datetime(2025, 3, 3, 8, m, tzinfo=SHANGHAI)  # noqa: E731
        record_agent_changes(s, [{"agent": ext, "state": st, "at": at(m)} for ext, st, m in [
            ("8001", "ready", 0), ("8005", "ready", 0), ("8001", "offline", 30), ("8005", "offline", 50)]])
    return world


def _scope(s, world, key):
    return call_scope(s, world.paths[key], QueueDirectory(load_queues()))


@pytest.mark.parametrize("sl", [15, 16])   # 15 s reads the hour summaries, 16 s the calls
def test_each_region_counts_only_the_calls_of_its_queues(container, calls, sl):
    got = {}
    with container.sessions() as s:
        for key in ("A1", "A2", "A", "B", "root"):
            scope = _scope(s, calls, key)
            f = sc.queue_figures(s, DAY, sl_seconds=sl, scope=scope)
            got[key] = (f["offered"], f["answered"], f["abandoned"], f["ivr_only"], f["talk_seconds"])
        rows = {r["queue"] for r in sc.by_queue(s, DAY, sl, scope=_scope(s, calls, "A"))}
    assert got == {"A1": (2, 1, 1, 0, 100), "A2": (1, 1, 0, 0, 40), "A": (3, 2, 1, 0, 140),
                   "B": (1, 1, 0, 0, 50), "root": (6, 4, 1, 1, 200)}
    assert rows == {"qa1", "qa2"}


def test_hours_and_heatmap_follow_the_scope(container, calls):
    with container.sessions() as s:
        scope = _scope(s, calls, "B")
        assert sc.by_hour(s, DAY, scope=scope)[9]["offered"] == 1
        assert sum(map(sum, sc.heatmap(s, DAY, scope=scope))) == 1
        assert sum(map(sum, sc.heatmap(s, DAY, scope=_scope(s, calls, "root")))) == 6


def test_agent_figures_show_the_regions_agents_and_its_queues_calls_only(container, calls):
    with container.sessions() as s:
        a1 = {a["agent"]: a for a in sc.agent_figures(s, DAY, scope=_scope(s, calls, "A1"))}
        b = {a["agent"]: a for a in sc.agent_figures(s, DAY, scope=_scope(s, calls, "B"))}
        whole = {a["agent"]: a for a in sc.agent_figures(s, DAY, scope=_scope(s, calls, "root"))}
    assert set(a1) == {"8001"} and a1["8001"]["answered"] == 1 and a1["8001"]["talk_seconds"] == 100
    assert a1["8001"]["login_seconds"] == 30 * 60
    assert set(b) == {"8005"} and b["8005"]["answered"] == 1 and b["8005"]["login_seconds"] == 50 * 60
    assert whole["8001"]["answered"] == 2 and set(whole) == {"8001", "8002", "8005"}


def test_a_street_supervisor_sees_only_its_queue_on_the_calls_page(client, calls):
    login(client, "sup_a1")
    page = client.get("/stats/calls?start=2025-03-03&end=2025-03-03").get_data(as_text=True)
    queues = page.split('id="queues"', 1)[1].split("</table>", 1)[0]
    assert "<tr><td>qa1</td><td>2</td><td>1</td><td>1</td>" in queues
    assert "qa2" not in queues and "qb" not in queues and "hotline" not in queues
    agents = page.split('id="agents"', 1)[1].split("</table>", 1)[0]
    assert "<td>8001</td><td>1</td><td>100</td>" in agents and "8005" not in agents
    assert client.get("/stats/calls?queue=qb&start=2025-03-03&end=2025-03-03").status_code == 404
    assert client.get(f"/stats/calls?region_id={calls.regions['B']}").status_code == 404
    dash = client.get("/stats/?start=2025-03-03&end=2025-03-03").get_data(as_text=True)
    assert "呼入 2 · 接通 1" in dash


def test_district_b_supervisor_and_root_admin_see_their_own_totals(client, calls):
    login(client, "sup_b")
    assert "呼入 1 · 接通 1" in client.get("/stats/?start=2025-03-03&end=2025-03-03").get_data(as_text=True)
    other = client.application.test_client()
    login(other, "admin")
    assert "呼入 6 · 接通 4" in other.get("/stats/?start=2025-03-03&end=2025-03-03").get_data(as_text=True)


def test_custom_queries_on_calls_count_what_the_dashboard_counts_for_the_same_region(container, calls):
    """Calls belong to their queue's region (a street supervisor sees its queues' calls,
    whoever called); IVR-only calls and queues missing from the file only at the root."""
    from callcenter.services import custom_queries as cq
    from callcenter.services.accounts import actor_for
    spec = {"group_by": ["queue"], "filters": [{"field": "started_at", "op": "eq", "value": "2025-03-03"}]}
    got = {}
    with container.sessions() as s:
        for username in ("sup_a1", "sup_a", "sup_b", "agent_a2", "admin"):
            user = s.scalars(select(User).where(User.username == username)).one()
            _, rows = cq.run(s, actor_for(user), "calls", spec, QueueDirectory(load_queues()))
            got[username] = {q: n for q, n in rows}
            offered = sc.queue_figures(s, DAY, scope=call_scope(s, user.region.path,
                                                                QueueDirectory(load_queues())))["offered"]
            assert sum(got[username].values()) == offered, username
    assert got == {"sup_a1": {"qa1": 2}, "sup_a": {"qa1": 2, "qa2": 1}, "sup_b": {"qb": 1},
                   "agent_a2": {"qa2": 1}, "admin": {None: 1, "hotline": 1, "qa1": 2, "qa2": 1, "qb": 1}}


def test_the_query_page_scopes_calls_by_the_web_apps_queue_map(client, calls):
    login(client, "sup_a1")
    page = client.get("/stats/queries?subject=calls&spec=" + json.dumps({"group_by": ["queue"]}))
    table = page.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "qa1" in table and "qa2" not in table and "qb" not in table and "hotline" not in table
