"""AMI and FastAGI stay on loopback or private networks (a warning at start-up otherwise),
and AMI credentials never reach a log line, even when the log-in fails."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from agent_ui.security import warn_exposed_listeners
from callcenter.ops.exposure import bind_warning, classify, manager_conf_bindaddr

MANAGER_CONF = Path(__file__).resolve().parents[3] / "asterisk_conf" / "manager.conf"
SECRET = "Am1-S3cret-never-logged"


@pytest.mark.parametrize("bind, warned", [
    ("127.0.0.1:4573", False), ("[::1]:4573", False), ("10.0.3.7:4573", False),
    ("192.168.1.20:4573", False), ("172.20.0.4:4573", False), ("localhost:4573", False),
    ("0.0.0.0:4573", True), ("[::]:4573", True), ("8.8.8.8:4573", True),
])
def test_fastagi_binds_beyond_private_networks_are_warned_about(bind, warned):
    assert (bind_warning("FastAGI", bind) is not None) is warned


def test_the_web_app_warns_at_start_up_about_exposed_telephony(settings, caplog):
    from agent_ui import create_app
    from callcenter.bootstrap import build
    exposed = settings.with_(fastagi_bind="0.0.0.0:4573",
                             ami_url=f"ami://bridge:{SECRET}@8.8.8.8:5038")
    container = build(exposed)
    with caplog.at_level(logging.WARNING, logger="agent_ui.security"):
        create_app(exposed, container=container)
    container.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "FastAGI listens on every interface" in text
    assert "AMI at 8.8.8.8:5038 is not on loopback or a private network" in text
    assert SECRET not in text


def test_private_telephony_raises_no_warning(settings):
    quiet = settings.with_(fastagi_bind="127.0.0.1:4573", ami_url=f"ami://b:{SECRET}@10.1.2.3")
    assert warn_exposed_listeners(quiet) == []


def test_the_shipped_manager_conf_binds_ami_to_loopback_or_private():
    bindaddr = manager_conf_bindaddr(MANAGER_CONF.read_text(encoding="utf-8"))
    assert bindaddr is not None, "manager.conf must set bindaddr (Asterisk's default is 0.0.0.0)"
    assert classify(bindaddr) in ("loopback", "private")


def test_ami_credentials_are_never_logged_even_when_the_log_in_fails(caplog):
    from callcenter.ports import RecordingEvents
    from integrations.ami.bridge import AMIBridge
    from integrations.ami.client import parse_ami_url
    from integrations.ami.simulator import PBXSimulator

    async def scenario():
        sim = PBXSimulator(username="bridge", secret=SECRET, speed=50.0)
        await sim.start()
        url = sim.url.replace(SECRET, "wrong-" + SECRET) if SECRET in sim.url else \
            f"ami://bridge:wrong-{SECRET}@127.0.0.1:{sim.port}"
        for candidate, auth in ((url, "plain"), (url, "md5"),
                                (f"ami://bridge:{SECRET}@127.0.0.1:{sim.port}", "plain")):
            bridge = AMIBridge(parse_ami_url(candidate, auth=auth), RecordingEvents(),
                               backoff=(0.05, 0.1), booted_timeout=1.0)
            task = asyncio.create_task(bridge.run())
            await asyncio.sleep(0.5)
            await bridge.stop()
            await asyncio.wait_for(task, 10)
        await sim.stop()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(asyncio.wait_for(scenario(), 60))
    assert any("Authentication failed" in r.getMessage() for r in caplog.records), \
        "the refused log-in was exercised and logged"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_text or "")
        assert SECRET not in text, f"{record.name}: {record.getMessage()}"
