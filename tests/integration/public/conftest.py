"""Fixtures for the public channels: a fake Twilio on a real socket (the dispatch tests'
one), a catalog with a service and a form, a known resident, and hall helpers."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "dispatch"))
sys.path.insert(0, str(HERE))

from dispatch_fakes import FakeTwilio  # noqa: E402
from public_helpers import RESIDENT_PHONE  # noqa: E402

from callcenter.models import Resident, ResidentPhone  # noqa: E402
from callcenter.services import catalog  # noqa: E402



@pytest.fixture
def twilio():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, twilio):
    return settings.with_(twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
                          twilio_from_number="+8610690000", twilio_api_base=twilio.base)


@pytest.fixture
def public_world(world, container):
    """The world plus a service item with a guide and a form, and one resident."""
    with container.sessions.begin() as s:
        item = catalog.save_item(s, None, catalog.ItemInput(
            code="SD-REPAIR", name="水电报修", category_id=world.categories["SRV-SD"],
            summary="家中水管、电路故障报修", materials=["身份证"], steps=["提交", "上门"],
            hours="周一至周五 9:00-17:00", keywords=["漏水", "停电"]))
        catalog.add_form(s, world.actors["admin"], item.id, "报修申请表.pdf", b"%PDF-1.4 form")
        resident = Resident(name="王建国", region_id=world.regions["gridA1"], address="北京路1号")
        resident.phones.append(ResidentPhone(e164=RESIDENT_PHONE, last4="8000"))
        s.add(resident)
        s.flush()
        world.resident_id = resident.id
    return world

