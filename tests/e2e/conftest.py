"""A live server with the PBX simulator and the bridge embedded, and Debian's chromium.

Playwright never downloads a browser here: it drives /usr/bin/chromium (CI installs
Debian's package). Screenshots go to $CALLCENTER_ARTIFACTS (default ./test-artifacts).
"""
from __future__ import annotations

import functools
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from callcenter.services.queue_directory import QueueDef, QueueDirectory
from servers import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
RESIDENT_PHONE = "13800138000"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ.get("CALLCENTER_ARTIFACTS", "test-artifacts")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _seed(container, world) -> dict:
    from callcenter.models import Region, Resident, ResidentPhone, ResidentTag, RoutingRule
    with container.sessions.begin() as s:
        grid = s.get(Region, world.regions["gridA1"])
        r = Resident(name="张三", region=grid, address="北京路1号楼3单元", language="zh",
                     phones=[ResidentPhone(e164="+86" + RESIDENT_PHONE, last4=RESIDENT_PHONE[-4:])],
                     tags=[ResidentTag(tag="独居老人")])
        s.add(r)
        s.add(RoutingRule(name="水电维修 → 城管", category_id=world.categories["SRV-SD"],
                          target_kind="department", department_id=world.departments["CG"], priority=1))
        s.flush()
        return {"resident_id": r.id}


@pytest.fixture
def demo_server(app, container, world):
    """The app, the simulator (interactive: calls ring until 接听) and the bridge, on a free port."""
    from callcenter.serving import start_telephony
    container.extras["queues"] = QueueDirectory([QueueDef("hotline", "综合服务", "340202")])
    seeded = _seed(container, world)
    thread = start_telephony(container, demo=True)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    sim = thread.simulator

    def call(number=RESIDENT_PHONE, name="张三", queue="hotline"):
        from integrations.ami.simulator.scenarios import queued_call
        coro = functools.partial(queued_call, sim.pbx, number=number, name=name, queue=queue,
                                 talk=300, max_wait=120)
        thread.call(lambda: sim.spawn(coro()))

    yield {"url": f"http://127.0.0.1:{port}", "call": call, "thread": thread, **seeded}
    server.shutdown()
    server.server_close()
    thread.stop()


def login(page, base: str, username: str, extension: str, target: str) -> None:
    from factories import PASSWORD
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if extension:
        page.fill("#extension", extension)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def keep_screenshot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / name), full_page=True)
    assert (artifacts / name).stat().st_size > 0
    shutil.os.sync() if hasattr(shutil.os, "sync") else None
