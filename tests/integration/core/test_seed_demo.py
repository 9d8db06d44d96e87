"""The demo data set: the promised shape, idempotent, timelines that obey the life cycle."""
from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import func, select

from callcenter.demo.seed import seed_demo
from callcenter.domain.tickets import ALLOWED, TicketStatus
from callcenter.models import Category, Department, Provider, Region, Ticket, User


def counts(s):
    return {
        "levels": Counter(s.scalars(select(Region.level))),
        "departments": s.scalar(select(func.count()).select_from(Department)),
        "providers": s.scalar(select(func.count()).select_from(Provider)),
        "categories": s.scalar(select(func.count()).select_from(Category)),
        "users": Counter(s.scalars(select(User.role))),
        "tickets": s.scalar(select(func.count()).select_from(Ticket)),
    }


def test_seed_has_the_promised_shape_and_is_idempotent(container):
    with container.sessions.begin() as s:
        logins = seed_demo(s, tickets=80, rng=random.Random(1))
    with container.sessions() as s:
        first = counts(s)
    assert first["levels"] == {"country": 1, "province": 2, "city": 2, "district": 2, "street": 6,
                               "community": 18, "grid": 60}
    assert (first["departments"], first["providers"], first["categories"]) == (8, 12, 40)
    assert sum(first["users"].values()) == 20 and set(first["users"]) == {
        "agent", "supervisor", "merchant", "department", "admin"}
    assert first["tickets"] == 80 and len(logins) == 20
    with container.sessions.begin() as s:
        seed_demo(s, tickets=80, rng=random.Random(2))
    with container.sessions() as s:
        assert counts(s) == first


def test_seeded_codes_are_the_real_division_codes(container):
    with container.sessions.begin() as s:
        seed_demo(s, tickets=0)
    with container.sessions() as s:
        names = dict(s.execute(select(Region.code, Region.name)).all())
    assert names["340202"] == "镜湖区" and names["340200"] == "芜湖市" and names["110108"] == "海淀区"
    assert names["340202001"] == "北京路街道" and names["110108019"] == "青龙桥街道"


def test_seeded_tickets_cover_every_state_with_lawful_timelines(container):
    with container.sessions.begin() as s:
        seed_demo(s, tickets=200, rng=random.Random(7))
    with container.sessions() as s:
        tickets = s.scalars(select(Ticket)).all()
        assert {t.status for t in tickets} == {st.value for st in TicketStatus}
        for t in tickets:
            steps = [(e.from_status, e.to_status) for e in t.events]
            assert steps[0] == (None, "open") and steps[-1][1] == t.status
            for before, after in steps[1:]:
                assert TicketStatus(after) in ALLOWED[TicketStatus(before)], (t.number, steps)
