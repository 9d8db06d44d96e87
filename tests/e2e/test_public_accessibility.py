"""Every public page, walked as a resident would in Debian's chromium, checked by the
vendored axe-core: no serious or critical violation, in normal and large-text mode.

The app runs in demo mode without an SMS gateway, so the code is shown on the page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from servers import wsgi_server

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BAD = ("serious", "critical")


@pytest.fixture
def public_server(container, world):
    from agent_ui import create_app
    from callcenter.bootstrap import build
    from callcenter.models import Region
    from callcenter.ports import RecordingEvents
    from callcenter.services import announcements, catalog
    with container.sessions.begin() as s:
        item = catalog.save_item(s, None, catalog.ItemInput(
            code="SD-REPAIR", name="水电报修", category_id=world.categories["SRV-SD"],
            summary="家中水管、电路故障报修", materials=["身份证"], steps=["提交", "上门"]))
        catalog.add_form(s, world.actors["admin"], item.id, "报修申请表.pdf", b"%PDF-1.4 form")
        street = s.get(Region, world.regions["A1"])
        announcements.publish(s, world.actors["admin"], street,
                              announcements.AnnouncementInput("停水通知", "本周六 9:00-12:00 停水。"))
        announcements.save_office(s, world.actors["admin"], street, address="北京路街道办事处一楼",
                                  hours="周一至周五 8:30-17:30", phone="0553-1234567")
    demo = build(container.settings.with_(demo=True), events=RecordingEvents())
    app = create_app(demo.settings, container=demo)
    with wsgi_server(app) as url:
        yield url
    demo.close()


def check(page, where: str) -> None:
    """Run axe on the page; fail with the rule ids and the first element of each."""
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
           for v in result["violations"] if v["impact"] in BAD]
    assert bad == [], f"{where}: {bad}"


def test_every_public_page_has_no_serious_accessibility_violation(browser, public_server):
    base = public_server
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    for path in ("/hall/", "/hall/services/SD-REPAIR", "/hall/track", "/community/",
                 "/community/340202001", "/community/340202001001"):
        page.goto(base + path)
        check(page, path)
    page.goto(base + "/hall/submit?service=SD-REPAIR")
    check(page, "submit")
    page.fill("#description", "厨房水管漏水，已经两天了")
    page.select_option("#region_code", "340202001001")
    page.fill("#phone", "13800138000")
    page.click("form.pub-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/hall/verify/.*"))
    check(page, "verify")
    code = re.search(r"验证码是 (\d{6})", page.content()).group(1)
    page.fill("#code", code)
    page.click("form.pub-form button.primary")
    page.wait_for_url(re.compile(r".*/hall/done$"))
    check(page, "done")
    number = re.search(r"\d{8}-\d{6}", page.inner_text("main")).group(0)
    page.goto(f"{base}/hall/track?number={number}")
    page.fill("#phone", "13800138000")
    page.click("form.pub-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/hall/track/code$"))
    check(page, "track code")
    page.fill("#code", re.search(r"验证码是 (\d{6})", page.content()).group(1))
    page.click("form.pub-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/hall/track/{number}$"))
    assert "已受理" in page.inner_text("main")
    check(page, "status")
    context.close()


def test_large_text_mode_stays_on_and_passes_too(browser, public_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    page.goto(public_server + "/hall/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("text=大字模式")
    page.wait_for_load_state()
    for path in ("/hall/", "/hall/submit", "/community/340202001"):
        page.goto(public_server + path)
        assert "large" in (page.get_attribute("body", "class") or "")
        check(page, f"large {path}")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 1.3 * normal
    context.close()


def test_the_checker_does_flag_a_broken_page(browser):
    page = browser.new_page()
    page.set_content('<html><body><img src="x.png"><input id="q"></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        check(page, "broken")
    page.close()
