"""The statistics pages: scoped to the user's region, drill-down totals, exports, builder."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

import stats_dataset as dataset
from factories import PASSWORD

RANGE = "start=2025-09-28&end=2025-09-30"


@pytest.fixture
def seeded(container, world):
    with container.sessions.begin() as s:
        return dataset.build(s, world)


def login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code in (302, 303)
    page = client.get("/stats/queries").get_data(as_text=True)   # the session's token after log-in
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    return found.group(1) if found else None


def test_the_district_dashboard_shows_figures_children_and_charts(client, world, seeded):
    login(client, "sup_a")
    page = client.get(f"/stats/?region_id={world.regions['A']}&{RANGE}").get_data(as_text=True)
    assert "响应率" in page and "解决率" in page and "满意率" in page
    assert "按时响应的工单 ÷ 有效工单" in page                      # the definition next to it
    assert re.search(r'data-key="received">\s*<th>受理量</th>\s*<td class="value"><a[^>]*>4</a>', page)
    assert "街道A1" in page and 'data-kind="trend"' in page and "vendor/echarts.min.js" in page
    assert "<script>" not in page                                  # no inline scripts


def test_a_region_outside_the_users_subtree_is_not_found(client, world, seeded):
    login(client, "sup_a")
    assert client.get(f"/stats/?region_id={world.regions['B']}").status_code == 404
    assert client.get("/stats/?start=2025-13-01").status_code == 400


def test_partners_cannot_see_statistics(client, world):
    login(client, "dept_mz")
    assert client.get("/stats/").status_code == 403


def test_the_drill_down_page_lists_as_many_tickets_as_the_number(client, world, seeded):
    login(client, "sup_a")
    page = client.get(f"/stats/drill?figure=received&region_id={world.regions['A']}&{RANGE}").get_data(as_text=True)
    assert page.count("<tr><td>") == 4 and "共 4" in page
    own = client.get(f"/stats/drill?figure=received&region_id={world.regions['A']}&own=1&{RANGE}")
    assert own.get_data(as_text=True).count("<tr><td>") == 1      # 本级: T5 only


def test_exports_are_csv_with_bom_and_xlsx_with_chinese_headers(client, world, seeded):
    login(client, "sup_a")
    r = client.get(f"/stats/export/children.csv?region_id={world.regions['A']}&{RANGE}")
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["区域", "受理量"] and [r_[:2] for r_ in rows[1:]] == \
        [["本级", "1"], ["街道A1", "3"], ["街道A2", "0"]]
    x = client.get(f"/stats/export/drill.xlsx?figure=received&region_id={world.regions['A']}&{RANGE}")
    ws = load_workbook(io.BytesIO(x.data)).active
    assert ws["A1"].value == "工单号" and ws.max_row == 5
    assert client.get(f"/stats/export/children.pdf?{RANGE}").status_code == 400


def test_the_query_builder_runs_saves_and_refuses_bad_specs(client, world, seeded):
    token = login(client, "sup_a")
    spec = {"group_by": ["type"], "filters": [{"field": "created_at", "op": "between",
                                                 "value": ["2025-09-28", "2025-09-30"]}]}
    r = client.post("/stats/queries", data={"csrf_token": token, "subject": "tickets", "action": "save",
                                            "name": "九月按类型", "spec": json.dumps(spec),
                                            "shared_roles": ["agent"]})
    page = r.get_data(as_text=True)
    assert r.status_code == 200, page
    assert "<td>help</td><td>2</td>" in page and "九月按类型" in page
    bad = client.post("/stats/queries", data={"csrf_token": token, "subject": "tickets",
                                              "spec": json.dumps({"group_by": ["password_hash"]})})
    assert bad.status_code == 400 and "cannot group by" in bad.get_data(as_text=True)


def test_calls_and_residents_pages_render_for_supervisors(client, world, seeded):
    login(client, "sup_a")
    calls = client.get("/stats/calls?start=2025-03-03&end=2025-03-03")
    assert calls.status_code == 200 and 'data-kind="heatmap"' in calls.get_data(as_text=True)
    assert client.get("/stats/calls?sl=0").status_code == 400
    res = client.get(f"/stats/residents?region_id={world.regions['A']}")
    assert res.status_code == 200 and "登记居民" in res.get_data(as_text=True)
    assert client.get(f"/stats/?print=1&region_id={world.regions['A']}&{RANGE}").status_code == 200
