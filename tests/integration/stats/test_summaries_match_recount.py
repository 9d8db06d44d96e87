"""Summary tables equal a recount from the base tables after any sequence of changes."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import TicketError
from callcenter.models import Ticket, TicketEvent
from callcenter.services import tickets as svc
from callcenter.services.stats import rebuild
from callcenter.services.ticket_input import TicketInput

GRIDS = ("gridA1", "gridA2", "gridB1", "A1", "A", "city")
TYPES = ("consult", "help", "complaint")
CHANNELS = ("phone", "web", "fax")


def _open(s, world, rnd, now):
    data = TicketInput(channel=rnd.choice(CHANNELS), type=rnd.choice(TYPES), description="漏水",
                       region_id=world.regions[rnd.choice(GRIDS)],
                       category_id=rnd.choice([None, world.categories["SRV-SD"], world.categories["SRV"]]))
    return svc.open_ticket(s, world.actors["admin"], data, now=now)


def _steps(world, rnd):
    mz = {"kind": "department", "id": world.departments["MZ"]}
    return {
        "open": [("dispatch", "admin", {"target": mz}), ("resolve", "admin", {"result": "已答复"}),
                 ("cancel", "admin", {"reason": "重复"})],
        "dispatched": [("accept", "dept_mz", {}), ("return", "dept_mz", {"reason": "不属于本单位"}),
                       ("recall", "admin", {"reason": "改派"})],
        "accepted": [("resolve", "dept_mz", {"result": "已修复"})],
        "returned": [("dispatch", "admin", {"target": mz}), ("resolve", "admin", {"result": "已答复"})],
        "resolved": [("revisit", "admin", {"score": rnd.randint(1, 5)}),
                     ("reopen", "sup_a", {"reason": "不满意"})],
        "revisited": [("close", "admin", {}), ("close", "admin", {}),
                      ("reopen", "admin", {"reason": "不满意"})],
    }


def _random_step(s, world, rnd, number, now):
    """One random change: mostly a lawful action, sometimes an illegal one (which must write
    nothing), sometimes a change made outside apply_action (deadline extension, escalation)."""
    ticket = s.query(Ticket).filter_by(number=number).one()
    roll = rnd.random()
    if roll < 0.1:
        ticket.escalation_level += 1
        s.flush()
        return
    if roll < 0.2 and ticket.complete_deadline is not None:
        ticket.complete_deadline += timedelta(days=rnd.randint(-3, 5))
        s.flush()
        return
    choices = _steps(world, rnd).get(ticket.status) or [("close", "admin", {})]
    if roll < 0.3:
        choices = [c for v in _steps(world, rnd).values() for c in v]
    action, actor, data = rnd.choice(choices)
    try:
        with s.begin_nested():
            svc.apply_action(s, world.actors[actor], number, action, data, now=now)
    except TicketError:
        pass


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_equal_a_recount_after_random_transitions(container, world, seed):
    rnd = random.Random(seed)
    start = datetime(2025, 9, 28, 22, 30, tzinfo=SHANGHAI)  # crosses midnight and a holiday
    with container.sessions.begin() as s:
        numbers = []
        for i in range(160):
            now = start + timedelta(hours=i * 4, minutes=rnd.randint(0, 59))
            if not numbers or rnd.random() < 0.15:
                numbers.append(_open(s, world, rnd, now).number)
            else:
                _random_step(s, world, rnd, rnd.choice(numbers), now)
        reached = {e.action for e in s.query(TicketEvent)}
    # the walk went deep enough to exercise every kind of change
    assert {"accept", "return", "recall", "revisit", "reopen", "close", "cancel"} <= reached, " ".join(sorted(reached))
    with container.engine.connect() as conn:
        assert rebuild.differences(conn) == []


def test_summaries_are_current_inside_the_transaction_that_changes_a_ticket(container, world):
    now = datetime(2025, 3, 3, 10, tzinfo=SHANGHAI)
    with container.sessions.begin() as s:
        t = _open(s, world, random.Random(5), now)
        svc.apply_action(s, world.actors["admin"], t.number, "resolve", {"result": "ok"}, now=now)
        assert rebuild.differences(s.connection()) == []


def test_rebuild_writes_the_same_rows_the_store_kept(container, world):
    rnd = random.Random(9)
    with container.sessions.begin() as s:
        for i in range(10):
            t = _open(s, world, rnd, datetime(2025, 1, 1 + i, 9, tzinfo=SHANGHAI))
            _random_step(s, world, rnd, t.number, datetime(2025, 1, 2 + i, 9, tzinfo=SHANGHAI))
    with container.engine.begin() as conn:
        kept = rebuild.stored(conn)
        rebuild.rebuild(conn)
        assert rebuild.stored(conn) == kept
