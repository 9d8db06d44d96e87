"""Restart PostgreSQL while agents move tickets through their life cycle: a step cut off by
the restart writes nothing and is retried, and afterwards every ticket's timeline is an
unbroken chain of allowed transitions ending in the ticket's state."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select

from callcenter import migrate
from callcenter.bootstrap import build
from callcenter.config import Settings
from callcenter.domain.tickets import ALLOWED, TicketStatus
from callcenter.models import Ticket, TicketEvent
from callcenter.services import tickets as ticket_service
from callcenter.services.ticket_input import TicketInput
from factories import build_world

STEPS = [("resolve", {"result": "已上门维修"}), ("revisit", {"score": 5}), ("close", {})]


def _open(container, world) -> str:
    data = TicketInput(channel="phone", type="help", description="楼道灯不亮，请派人维修",
                       region_id=world.regions["gridA1"], category_id=world.categories["SRV-SD"],
                       address="幸福路1号3栋", caller_phone="+8613800138000")
    with container.sessions.begin() as s:
        return ticket_service.open_ticket(s, world.actors["agent_a1"], data).number


def _work(container, world, numbers, failures: list, deadline: float) -> None:
    """Each ticket resolved, revisited, closed; a step that fails is retried until it lands."""
    for i, number in enumerate(numbers):
        steps = [("cancel", {"reason": "重复工单"})] if i % 4 == 0 else STEPS
        for action, data in steps:
            while time.monotonic() < deadline:
                try:
                    with container.sessions.begin() as s:
                        ticket_service.apply_action(s, world.actors["agent_a1"], number, action,
                                                    dict(data))
                    break
                except Exception as exc:  # noqa: BLE001 - the database is restarting
                    failures.append(type(exc).__name__)
                    time.sleep(0.05)


def test_ticket_timelines_match_their_state_after_a_postgres_restart(postgres_server, tmp_path):
    url = postgres_server.create_database("faults_timelines")
    migrate.upgrade(url)
    container = build(Settings(instance_path=str(tmp_path), database_url=url,
                               secret_key="test-secret"))
    try:
        with container.sessions.begin() as s:
            world = build_world(s)
        numbers = [_open(container, world) for _ in range(40)]
        failures: list[str] = []
        worker = threading.Thread(target=_work, args=(container, world, numbers, failures,
                                                      time.monotonic() + 15))
        worker.start()
        time.sleep(0.3)
        postgres_server.restart()
        worker.join(20)
        assert failures, "the restart cut no step off: the test tested nothing"
        with container.sessions() as s:
            tickets = s.scalars(select(Ticket).where(Ticket.number.in_(numbers))).all()
            for ticket in tickets:
                events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                   .order_by(TicketEvent.id)).all()
                chain = [(e.from_status, e.to_status) for e in events]
                assert chain[0] == (None, "open"), ticket.number
                for (_a, before), (after_from, after) in zip(chain, chain[1:]):
                    assert after_from == before, (ticket.number, chain)
                    assert TicketStatus(after) in ALLOWED[TicketStatus(before)], chain
                assert chain[-1][1] == ticket.status, (ticket.number, chain)
            assert sorted(t.status for t in tickets) == sorted(
                "cancelled" if i % 4 == 0 else "closed" for i in range(40))
    finally:
        container.close()
