"""Tickets in the store: one timeline entry per transition, nothing half-written."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from callcenter.bootstrap import build
from callcenter.config import Settings
from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import InvalidTransitionError, NotFoundError, ValidationError
from callcenter.models import Ticket, TicketEvent
from callcenter.services import tickets as svc
from callcenter.services.ticket_input import TicketInput
from factories import build_world


def new_ticket(session: Session, world, actor="agent_a1", grid="gridA1", **kw) -> Ticket:
    data = TicketInput(channel="phone", type=kw.pop("type", "help"), description="楼道灯不亮",
                       region_id=world.regions[grid], category_id=world.categories["SRV-SD"], **kw)
    return svc.open_ticket(session, world.actors[actor], data, now=kw.get("now"))


def test_opening_a_ticket_writes_its_first_timeline_entry_and_deadline(container, world):
    with container.sessions.begin() as s:
        t = new_ticket(s, world)
        assert t.status == "open"
        assert [(e.action, e.from_status, e.to_status) for e in t.events] == [("create", None, "open")]
        assert t.complete_deadline is not None and t.region_path == world.paths["gridA1"]


def test_ticket_numbers_are_dated_and_increase_within_the_day(container, world):
    day = datetime(2026, 11, 28, 9, tzinfo=SHANGHAI)
    with container.sessions.begin() as s:
        numbers = [svc.open_ticket(s, world.actors["agent_a1"], TicketInput(
            channel="phone", type="consult", description="x", region_id=world.regions["gridA1"]),
            now=day).number for _ in range(3)]
    assert numbers == ["20261128-000001", "20261128-000002", "20261128-000003"]


def test_the_day_of_a_number_is_the_shanghai_day(container, world):
    late_utc = datetime(2026, 11, 28, 17, 30, tzinfo=SHANGHAI).astimezone(SHANGHAI)
    with container.sessions.begin() as s:
        t = svc.open_ticket(s, world.actors["agent_a1"], TicketInput(
            channel="phone", type="consult", description="x", region_id=world.regions["gridA1"]),
            now=datetime.fromisoformat("2026-11-28T16:30:00+00:00"))
    assert t.number.startswith("20261129-")  # 00:30 on the 29th in Shanghai
    assert late_utc.tzinfo is SHANGHAI


def test_each_transition_writes_exactly_one_timeline_entry(container, world):
    with container.sessions.begin() as s:
        number = new_ticket(s, world).number
    steps = [("agent_a1", "dispatch", {"target": {"kind": "department", "id": world.departments["MZ"]}}),
             ("dept_mz", "accept", {}), ("dept_mz", "resolve", {"result": "已修好"}),
             ("agent_a1", "revisit", {"score": 5}), ("sup_a", "close", {})]
    for who, action, data in steps:
        with container.sessions.begin() as s:
            svc.apply_action(s, world.actors[who], number, action, data)
    with container.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.status == "closed" and t.satisfaction == 5 and t.result == "已修好"
        assert [e.action for e in t.events] == ["create", "dispatch", "accept", "resolve", "revisit", "close"]
        assert all(a.to_status == b.from_status for a, b in zip(t.events, t.events[1:]))


def test_an_illegal_transition_changes_nothing(container, world):
    with container.sessions.begin() as s:
        number = new_ticket(s, world).number
    with pytest.raises(InvalidTransitionError), container.sessions.begin() as s:
        svc.apply_action(s, world.actors["agent_a1"], number, "close", {})
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == 1


def test_out_of_scope_users_get_not_found(container, world):
    with container.sessions.begin() as s:
        number = new_ticket(s, world).number
    for who in ("agent_b", "agent_a2", "sup_b", "dept_mz", "merchant_p01"):
        with pytest.raises(NotFoundError), container.sessions.begin() as s:
            svc.apply_action(s, world.actors[who], number, "cancel", {"reason": "x"})


def test_a_ticket_outside_the_agents_region_cannot_be_opened(container, world):
    with pytest.raises(ValidationError) as err, container.sessions.begin() as s:
        new_ticket(s, world, actor="agent_a1", grid="gridB1")
    assert err.value.field == "region_id"


def test_two_agents_acting_on_the_same_state_second_gets_conflict_and_one_entry(container, world):
    """Both saw the ticket open; the second action names that stale state and is refused."""
    with container.sessions.begin() as s:
        number = new_ticket(s, world).number
    with container.sessions.begin() as s:
        svc.apply_action(s, world.actors["agent_a1"], number, "resolve",
                         {"result": "已答复", "from_status": "open"})
    with pytest.raises(svc.ConflictError), container.sessions.begin() as s:
        svc.apply_action(s, world.actors["sup_a"], number, "dispatch", {
            "target": {"kind": "department", "id": world.departments["MZ"]}, "from_status": "open"})
    with container.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.status == "resolved" and [e.action for e in t.events] == ["create", "resolve"]


@pytest.mark.postgres
def test_overlapping_transactions_cannot_both_transition_on_postgresql(postgres_server):
    """Two transactions read `open` at once; the row version makes the later commit fail."""
    from callcenter import migrate
    url = postgres_server.create_database("stale")
    migrate.upgrade(url)
    c = build(Settings(database_url=url, secret_key="x"))
    with c.sessions.begin() as s:
        world = build_world(s)
        number = new_ticket(s, world).number
    s1, s2 = c.sessions(), c.sessions()
    assert s1.scalars(select(Ticket).where(Ticket.number == number)).one().status == "open"
    stale = s2.scalars(select(Ticket).where(Ticket.number == number)).one()
    svc.apply_action(s1, world.actors["agent_a1"], number, "resolve", {"result": "已答复"})
    s1.commit()
    stale.status = "cancelled"  # a write decided on the state read before s1 committed
    with pytest.raises(StaleDataError):
        s2.flush()
    s2.rollback()
    s1.close(), s2.close()
    with c.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.status == "resolved" and [e.action for e in t.events] == ["create", "resolve"]
    c.close()


def _concurrent_numbers(url: str, world_builder) -> list[str]:
    container = build(Settings(database_url=url, secret_key="x"))
    with container.sessions.begin() as s:
        world = world_builder(s)
    barrier = threading.Barrier(20)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            for _ in range(5):
                with container.sessions.begin() as s:
                    n = svc.open_ticket(s, world.actors["agent_a1"], TicketInput(
                        channel="phone", type="consult", description="并发",
                        region_id=world.regions["gridA1"])).number
                with lock:
                    numbers.append(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    container.close()
    assert not errors, errors
    return numbers


@pytest.mark.postgres
def test_ticket_numbers_stay_unique_with_20_threads_on_postgresql(postgres_server):
    from callcenter import migrate
    url = postgres_server.create_database("numbering")
    migrate.upgrade(url)
    numbers = _concurrent_numbers(url, build_world)
    assert len(numbers) == 100 and len(set(numbers)) == 100
    assert sorted(int(n.split("-")[1]) for n in numbers) == list(range(1, 101))


def test_ticket_numbers_stay_unique_with_20_threads_on_the_suite_database(database_url, container):
    numbers = _concurrent_numbers(database_url, build_world)
    assert len(set(numbers)) == 100
