"""A shift in miniature in a real browser: an agent takes a simulated call, sees the pop,
files and dispatches a ticket mid-call; the supervisor's wallboard follows live."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import keep_screenshot, login  # noqa: F401  (tests/e2e/conftest helpers)

pytestmark = pytest.mark.e2e


def test_agent_takes_a_call_files_and_dispatches_while_the_wallboard_follows(
        browser, demo_server, container, world, artifacts):
    base = demo_server["url"]
    sup = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    login(sup, base, "sup_a", "", "/wallboard/")
    row = sup.locator("#q-hotline")
    expect(sup.locator("#conn-status.live")).to_have_count(1)

    agent = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    login(agent, base, "agent_a1", "8001", "/console/")
    expect(agent.locator("#conn-status.live")).to_have_count(1)
    # Opening the console at a desk joins its queues: no click needed.  (签入 stays for re-joining.)
    expect(agent.locator("#state-badge")).to_have_text("就绪")
    expect(row.locator(".ready")).to_have_text("1")

    demo_server["call"]()
    expect(agent.locator("#call-title")).to_have_text("来电")
    expect(agent.locator("#pop-residents .resident b")).to_have_text("张三")
    expect(agent.locator("#pop-residents .tag.alert")).to_have_text("独居老人")
    expect(agent.locator("#pop-ivr")).to_contain_text("办理服务")
    expect(row.locator(".offered")).to_have_text("1")
    expect(sup.locator("#wb-calls tr")).to_have_count(1)

    agent.keyboard.press("Alt+a")                      # 接听 by shortcut
    expect(agent.locator("#call-title")).to_have_text("通话中")
    expect(row.locator(".answered")).to_have_text("1")
    expect(row.locator(".on_call")).to_have_text("1")

    agent.select_option("#t-category", str(world.categories["SRV-SD"]))
    expect(agent.locator("#t-region")).to_have_value(str(world.regions["gridA1"]))
    agent.fill("#t-description", "独居老人家中水管漏水，请尽快上门维修。")
    expect(agent.locator("#suggestions input[name=target]")).to_have_count(1)
    agent.click("#btn-dispatch")
    expect(agent.locator("#ticket-msg")).to_have_text(re.compile(r"已生成工单 \d+"))
    keep_screenshot(agent, artifacts, "console.png")
    keep_screenshot(sup, artifacts, "wallboard.png")

    from callcenter.models import Ticket
    with container.sessions() as s:
        t = s.scalars(select(Ticket)).one()
        assert (t.status, t.resident_id, t.target_department_id) == \
            ("dispatched", demo_server["resident_id"], world.departments["CG"])
        assert t.call_linkedid and t.caller_phone == "+8613800138000"

    agent.click("#btn-hangup")
    expect(agent.locator("#call-title")).to_have_text("通话已结束")
    expect(agent.locator("#state-badge")).to_have_text("话后处理")
    expect(sup.locator("#wb-calls tr")).to_have_count(0)
