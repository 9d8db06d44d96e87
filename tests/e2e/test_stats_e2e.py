"""Statistics in a real browser: the dashboard's charts are drawn by the vendored ECharts
from the figures the page states, and a custom query is built, saved, re-run and exported
as CSV whose rows total to the dashboard's number."""
from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import keep_screenshot, login  # noqa: F401  (tests/e2e/conftest helpers)
from servers import wsgi_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "stats"))
import stats_dataset as dataset  # noqa: E402  (the hand-counted tickets of the stats tests)

pytestmark = pytest.mark.e2e
RANGE = "start=2025-09-28&end=2025-09-30"


@pytest.fixture
def stats_server(app, container, world):
    with container.sessions.begin() as s:
        dataset.build(s, world)
    with wsgi_server(app) as url:
        yield url


def test_dashboard_charts_and_a_saved_custom_query_exported_as_csv(browser, stats_server, world, artifacts):
    base = stats_server
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                               accept_downloads=True).new_page()
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(base) else None)
    login(page, base, "sup_a", "", "/stats/")
    page.goto(f"{base}/stats/?region_id={world.regions['A']}&{RANGE}")
    received = int(page.locator('tr[data-key="received"] td.value').inner_text())
    assert received == 4

    trend = page.locator('.chart[data-kind="trend"]')
    expect(trend.locator("canvas")).to_have_count(1)
    drawn = trend.evaluate("""el => {
        const chart = echarts.getInstanceByDom(el), series = chart.getOption().series;
        const c = el.querySelector('canvas'), px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) painted++; }
        return {received: series[0].data.reduce((a, b) => a + b, 0), days: series[0].data.length, painted,
                satisfaction: series[2].data};
    }""")
    assert drawn["received"] == received and drawn["days"] == 3 and drawn["painted"] > 1000
    expected = [None if r["satisfaction_rate"] is None else math.floor(r["satisfaction_rate"] * 1000 + 0.5) / 10
                for r in json.loads(trend.get_attribute("data-series"))]
    assert drawn["satisfaction"] == expected and any(expected)  # the 满意率 line, in percent
    assert foreign == []                       # the library came from the app, not a CDN
    keep_screenshot(page, artifacts, "stats-dashboard.png")

    page.click("nav.stats-tabs >> text=自定义查询")
    page.click("#add-filter")
    row = page.locator("#filters .filter-row").first
    row.locator("select").nth(0).select_option("created_at")
    row.locator("select").nth(1).select_option("between")
    row.locator("input").fill("2025-09-28, 2025-09-30")
    page.select_option("#group-by", ["type"])
    page.fill("input[name=name]", "三天按类型")
    page.click("button[value=save]")
    result = page.locator("#query-result tbody tr")
    expect(result.first).to_be_visible()
    shown = {r.locator("td").nth(0).inner_text(): int(r.locator("td").nth(1).inner_text())
             for r in result.all()}
    assert sum(shown.values()) == received

    page.goto(f"{base}/stats/queries")         # a fresh page: the saved query runs from its link
    page.click("text=三天按类型")
    expect(page.locator("#query-result tbody tr")).to_have_count(len(shown))
    with page.expect_download() as download:
        page.click("#query-csv")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["type", "count"] and {r[0]: int(r[1]) for r in rows[1:]} == shown
