"""The store-backed directory against the migrated database (SQLite, or PostgreSQL in CI)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

from callcenter.models.residents import Resident, ResidentPhone, ResidentTag
from callcenter.models.tickets import Ticket
from ivr.engine import Engine
from ivr.loader import load_builtin
from ivr.steps import CallInfo
from ivr.store_directory import RECENT_TICKETS, StoreDirectory, make_read_engine

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


def test_caller_lookup_keeps_every_tag_and_every_resident_on_a_shared_number(container, world):
    with container.sessions.begin() as s:
        a = Resident(name="王大爷", region_id=world.regions["gridA1"], language="zh")
        a.phones = [ResidentPhone(e164="+862087654321", last4="4321")]
        a.tags = [ResidentTag(tag="独居老人"), ResidentTag(tag="残疾人")]
        b = Resident(name="王小明", region_id=world.regions["gridA1"], language="fr")
        b.phones = [ResidentPhone(e164="+862087654321", last4="4321")]
        s.add_all([a, b])
    directory = StoreDirectory(container.sessions)
    first, second = directory.lookup_caller("+862087654321")
    assert (first.name, sorted(first.tags)) == ("王大爷", ["残疾人", "独居老人"])
    assert (second.name, second.tags, second.language) == ("王小明", (), "zh")  # fr: not offered


def test_ticket_phones_join_the_caller_phone_and_every_resident_phone(container, world):
    with container.sessions.begin() as s:
        r = Resident(name="张三", region_id=world.regions["gridA1"])
        r.phones = [ResidentPhone(e164="+8613800138000", last4="8000"),
                    ResidentPhone(e164="+862012345678", last4="5678")]
        s.add(r)
        s.flush()
        s.add(Ticket(number="20261127903", channel="phone", type="help", status="open",
                     region_id=world.regions["gridA1"], region_path=world.paths["gridA1"],
                     description="路灯不亮", resident_id=r.id, caller_phone="139 1234 5678"))
    info = StoreDirectory(container.sessions).ticket_status("20261127903")
    assert info.phones == ("+8613800138000", "+8613912345678", "+862012345678")
    assert info.deadline is None and info.status_text["zh"] == "已受理"


def test_read_engine_answers_while_a_writer_holds_the_write_lock(container, world, database_url):
    """The app's engine takes the write lock at BEGIN; the IVR's reads must not queue behind it."""
    ids = seed(container, world)
    reader = make_read_engine(database_url, pool_size=2)
    directory = StoreDirectory(container.sessions, reader)
    try:
        with container.sessions.begin() as writer:  # BEGIN IMMEDIATE on SQLite
            writer.add(ResidentTag(resident_id=int(ids["john"]), tag="残疾人"))
            writer.flush()
            started = time.monotonic()
            (john,) = directory.lookup_caller("+8613700000001")
            waited = time.monotonic() - started
            assert john.tags == ()  # the uncommitted tag is not seen
        assert waited < 1.0  # a session-based read would wait for the writer (busy timeout)
        assert directory.lookup_caller("+8613700000001")[0].tags == ("残疾人",)
    finally:
        reader.dispose()


def test_read_engine_refuses_writes_on_sqlite(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("query_only is SQLite's guard; on PostgreSQL the IVR's reader is a plain pool")
    engine = make_read_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(OperationalError, match="readonly"):
            conn.exec_driver_sql("DELETE FROM residents")
    finally:
        engine.dispose()


def test_caller_context_gives_the_residents_and_their_latest_tickets_in_one_go(container, world):
    ids = seed(container, world)
    with container.sessions.begin() as s:
        for k in range(6):  # John's older tickets: only the RECENT_TICKETS latest come back
            s.add(Ticket(number=f"2026010100{k}", channel="phone", type="help", status="closed",
                         region_id=world.regions["gridA1"], region_path=world.paths["gridA1"],
                         description="旧工单", resident_id=int(ids["john"]),
                         created_at=datetime(2026, 1, 1, k, tzinfo=timezone.utc)))
    directory = StoreDirectory(container.sessions)
    matches, tickets = directory.caller_context("+8613700000001")
    assert [m.resident_id for m in matches] == [ids["john"]]
    numbers = {t.number for t in tickets}
    assert len(tickets) == RECENT_TICKETS and "20261127901" in numbers
    assert "20260101000" not in numbers  # the oldest fell off
    assert tickets[0].phones == ("+8613700000001",)
    assert {t.number: t for t in tickets}["20261127901"] == directory.ticket_status("20261127901")
    assert directory.caller_context("+8613000000000") == ([], [])


def test_pinned_reader_sees_new_commits_and_recovers_from_a_failed_lookup(container, world,
                                                                         database_url):
    """The lookup process pins one SQLite read connection; it must not serve a stale
    snapshot, and a lookup that fails must not leave the next ones without a connection."""
    ids = seed(container, world)
    reader = make_read_engine(database_url, pool_size=1)
    directory = StoreDirectory(container.sessions, reader)
    directory.pin()
    sqlite = database_url.startswith("sqlite")
    try:
        assert directory.lookup_caller("+8613700000001")[0].tags == ()
        assert reader.pool.checkedout() == (1 if sqlite else 0)  # elsewhere: the pool as before
        with container.sessions.begin() as writer:
            writer.add(ResidentTag(resident_id=int(ids["john"]), tag="残疾人"))
        assert directory.lookup_caller("+8613700000001")[0].tags == ("残疾人",)
        with pytest.raises(Exception):
            directory.lookup_caller(object())  # the driver cannot bind it
        assert reader.pool.checkedout() == 0
        (john,) = directory.lookup_caller("+8613700000001")
        assert john.resident_id == ids["john"]
        assert directory.ticket_status("20261127901").status == "dispatched"
        assert reader.pool.checkedout() == (1 if sqlite else 0)
    finally:
        if directory._pinned is not None:
            directory._pinned.close()
        reader.dispose()
