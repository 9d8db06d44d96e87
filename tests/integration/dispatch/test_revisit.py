"""Revisit (回访): the next-working-day list, scores from agents and the SMS link, ratings."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from callcenter.domain.tickets import ValidationError
from callcenter.models import Delivery, Provider, Revisit, Ticket
from callcenter.services import dispatch as svc
from callcenter.services import partner_actions, revisit
from dispatch_helpers import open_ticket, shanghai


def _resolved(container, world, messaging, when, provider="P01") -> str:
    number = open_ticket(container, world, when=when)
    with container.sessions.begin() as s:
        svc.dispatch_ticket(s, world.actors["agent_a1"], number,
                            {"kind": "provider", "id": world.providers[provider]}, messaging, now=when)
        partner_actions.accept(s, world.actors[f"merchant_{provider.lower()}"], number, messaging, now=when)
        partner_actions.reply(s, world.actors[f"merchant_{provider.lower()}"], number, "已修好", [],
                              messaging, "/nonexistent", now=when)
    return number


def test_resolved_tickets_enter_the_revisit_list_the_next_working_day(container, world, messaging):
    number = _resolved(container, world, messaging, shanghai(2026, 2, 14, 15))  # last day before the holiday
    with container.sessions() as s:
        due = lambda *when: [t.number for t in revisit.due_revisits(  # noqa: E731
            s, world.actors["agent_a1"], now=shanghai(*when))]
        assert due(2026, 2, 14, 18) == []
        assert due(2026, 2, 23, 12) == []          # still Spring Festival
        assert due(2026, 2, 24, 0, 1) == [number]
        assert [t.number for t in revisit.due_revisits(
            s, world.actors["agent_b"], now=shanghai(2026, 2, 24, 9))] == []   # other district


def test_scores_update_the_providers_rating(container, world, messaging):
    numbers = [_resolved(container, world, messaging, shanghai(2026, 3, 2, 10)) for _ in range(3)]
    with container.sessions.begin() as s:
        revisit.record_revisit(s, world.actors["agent_a1"], numbers[0], 5, "很满意")
        revisit.record_revisit(s, world.actors["agent_a1"], numbers[1], 2, "上门迟到")
    with container.sessions() as s:
        assert s.get(Provider, world.providers["P01"]).rating == 3.5
        assert s.scalars(select(Revisit.source)).all() == ["agent", "agent"]
    with pytest.raises(ValidationError):
        with container.sessions.begin() as s:
            revisit.record_revisit(s, world.actors["agent_a1"], numbers[2], 6)


def test_a_supervisor_reopens_only_unsatisfied_tickets(container, world, messaging):
    good, bad = (_resolved(container, world, messaging, shanghai(2026, 3, 2, 10)) for _ in range(2))
    with container.sessions.begin() as s:
        revisit.record_revisit(s, world.actors["agent_a1"], good, 4)
        revisit.record_revisit(s, world.actors["agent_a1"], bad, 1)
    with pytest.raises(ValidationError):
        with container.sessions.begin() as s:
            revisit.reopen_unsatisfied(s, world.actors["sup_a"], good, "回访")
    with container.sessions.begin() as s:
        assert revisit.reopen_unsatisfied(s, world.actors["sup_a"], bad, "居民不满意").status == "open"


def test_the_resolved_sms_carries_a_link_that_records_the_residents_score_once(
        client, container, world, messaging, app):
    number = _resolved(container, world, messaging, shanghai(2026, 3, 2, 10))
    with container.sessions() as s:
        body = s.scalars(select(Delivery.body).where(Delivery.purpose == "resident")
                         .order_by(Delivery.id.desc())).first()
    assert number in body and "/rate/" in body
    token = re.search(r"/rate/(\S+?)，", body).group(1)
    # The link was signed with the test messaging secret; the app signs with its own.
    app_token = revisit.rate_token(container.extras["dispatcher"].messaging.secret_key, number)
    assert client.get(f"/rate/{token}x").status_code == 404
    page = client.get(f"/rate/{app_token}").data.decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/rate/{app_token}", data={"csrf_token": csrf, "score": "9"}).status_code == 400
    r = client.post(f"/rate/{app_token}", data={"csrf_token": csrf, "score": "4"})
    assert r.status_code == 200 and "感谢" in r.data.decode()
    assert client.post(f"/rate/{app_token}", data={"csrf_token": csrf, "score": "1"}).status_code == 409
    with container.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert (t.status, t.satisfaction) == ("revisited", 4)
        assert s.scalars(select(Revisit.source)).all() == ["sms"]
