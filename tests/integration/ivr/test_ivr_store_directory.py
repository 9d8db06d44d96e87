"""The store-backed directory against the migrated database (SQLite, or PostgreSQL in CI)."""
from __future__ import annotations

from datetime import datetime, timezone


from callcenter.models.residents import Resident, ResidentPhone, ResidentTag
from callcenter.models.tickets import Ticket
from ivr.engine import Engine
from ivr.loader import load_builtin
from ivr.steps import CallInfo
from ivr.store_directory import StoreDirectory

DEADLINE = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def seed(container, world) -> dict:
    with container.sessions.begin() as s:
        elder = Resident(name="李奶奶", region_id=world.regions["gridA1"], language="zh")
        elder.phones = [ResidentPhone(e164="+8613602001234", last4="1234")]
        elder.tags = [ResidentTag(tag="独居老人")]
        john = Resident(name="John Smith", region_id=world.regions["gridA1"], language="en")
        john.phones = [ResidentPhone(e164="+8613700000001", last4="0001")]
        s.add_all([elder, john])
        s.flush()
        for number, status, resident, phone in (("20261127901", "dispatched", john, None),
                                                 ("20261127902", "resolved", None, "13999990000")):
            s.add(Ticket(number=number, channel="phone", type="help", status=status,
                         region_id=world.regions["gridA1"], region_path=world.paths["gridA1"],
                         description="水管漏水", resident_id=resident.id if resident else None,
                         caller_phone=phone, complete_deadline=DEADLINE))
        return {"elder": str(elder.id), "john": str(john.id)}


def test_caller_lookup_returns_tags_and_language(container, world):
    ids = seed(container, world)
    directory = StoreDirectory(container.sessions)
    (elder,) = directory.lookup_caller("+8613602001234")
    assert (elder.resident_id, elder.tags, elder.language) == (ids["elder"], ("独居老人",), "zh")
    assert directory.lookup_caller("+8613000000000") == []


def test_ticket_status_carries_labels_deadline_and_every_phone(container, world):
    seed(container, world)
    directory = StoreDirectory(container.sessions)
    info = directory.ticket_status("20261127901")
    assert (info.status, info.status_text["zh"], info.status_text["en"]) == \
        ("dispatched", "已派单", "Dispatched")
    assert info.deadline == DEADLINE and info.phones == ("+8613700000001",)
    assert directory.ticket_status("20261127902").phones == ("+8613999990000",)
    assert directory.ticket_status("nope") is None


def test_engine_over_the_store_routes_a_care_resident_to_the_care_queue(container, world):
    ids = seed(container, world)
    engine = Engine(load_builtin("hotline"), StoreDirectory(container.sessions))
    step = engine.start(CallInfo("13602001234", "L1", "zh"))
    assert step.end.variables["CC_QUEUE"] == "care"
    assert step.end.variables["CC_RESIDENT_ID"] == ids["elder"]
