"""The open-stock rows follow every change to the tickets: deadlines today before and after
`now`, deadlines moving, escalations, tickets closing — equal with and without the rows."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import Region
from callcenter.services import tickets as svc
from callcenter.services.stats import rebuild, tickets as st
from callcenter.services.stats.periods import DateRange
from callcenter.services.ticket_input import TicketInput
from test_open_stock import STOCK, _both_ways


def _open(s, world, region: str, now):
    data = TicketInput(channel="phone", type="help", description="漏水", region_id=world.regions[region])
    return svc.open_ticket(s, world.actors["admin"], data, now=now)


def test_a_deadline_earlier_today_is_overdue_one_later_today_is_not(container, world, monkeypatch):
    now = datetime(2025, 10, 15, 14, 0, tzinfo=SHANGHAI)
    rng = DateRange(now.date() - timedelta(days=3), now.date())
    with container.sessions.begin() as s:
        early = _open(s, world, "gridA1", now - timedelta(days=2))
        late = _open(s, world, "gridA2", now - timedelta(days=2))
        past = _open(s, world, "gridB1", now - timedelta(days=2))
        early.complete_deadline = now - timedelta(hours=5)       # 09:00 today
        late.complete_deadline = now + timedelta(hours=5)        # 19:00 today
        past.complete_deadline = now - timedelta(days=1)         # yesterday
        past.escalation_level = 1
        s.flush()
        expect = {"city": (3, 2, 1), "A": (2, 1, 0), "A1": (1, 1, 0), "A2": (1, 0, 0), "B": (1, 1, 1)}
        for key, want in expect.items():
            n = st.Node.of(s.get(Region, world.regions[key]))
            got = _both_ways(s, n, rng, now, monkeypatch)
            assert tuple(got[k] for k in STOCK) == want, key
        # an hour before the early deadline it is not overdue yet; after the late one it is
        n = st.Node.of(s.get(Region, world.regions["city"]))
        assert _both_ways(s, n, rng, now - timedelta(hours=6), monkeypatch)["overdue_now"] == 1
        assert _both_ways(s, n, rng, now + timedelta(hours=6), monkeypatch)["overdue_now"] == 3
        # the deadline moves to tomorrow: no longer overdue today
        early.complete_deadline = now + timedelta(days=1)
        s.flush()
        assert _both_ways(s, n, rng, now, monkeypatch)["overdue_now"] == 1
        # a state change closes the overdue, escalated ticket: it leaves every stock figure
        svc.apply_action(s, world.actors["admin"], past.number, "cancel", {"reason": "重复"}, now=now)
        got = _both_ways(s, n, rng, now, monkeypatch)
        assert tuple(got[k] for k in STOCK) == (2, 0, 0)
        assert rebuild.differences(s.connection()) == []


def test_stock_rows_follow_random_changes(container, world, monkeypatch):
    """Random deadlines (today, before, after), escalations and state changes; at many
    instants of the day every level agrees both ways, and the rows equal a recount."""
    rnd = random.Random(4)
    now = datetime(2025, 10, 15, 12, 0, tzinfo=SHANGHAI)
    rng = DateRange(now.date() - timedelta(days=10), now.date())
    with container.sessions.begin() as s:
        for i in range(30):
            t = _open(s, world, rnd.choice(["gridA1", "gridA2", "gridB1", "A", "city"]),
                      now - timedelta(days=rnd.randint(0, 15), hours=rnd.randint(0, 23)))
            t.complete_deadline = now + timedelta(minutes=rnd.randint(-2000, 2000))
            t.escalation_level = rnd.choice([0, 0, 1])
            s.flush()
            if rnd.random() < 0.3:
                action = rnd.choice([("resolve", {"result": "已答复"}), ("cancel", {"reason": "重复"})])
                svc.apply_action(s, world.actors["admin"], t.number, *action, now=now)
        assert rebuild.differences(s.connection()) == []
        for key in ("root", "city", "A", "B"):
            n = st.Node.of(s.get(Region, world.regions[key]))
            for minutes in (-720, -300, -1, 0, 1, 300, 700):
                _both_ways(s, n, rng, now + timedelta(minutes=minutes), monkeypatch)
