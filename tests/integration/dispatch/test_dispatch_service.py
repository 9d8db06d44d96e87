"""Dispatch writes the transition, the dispatch and its pending deliveries in one transaction."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from callcenter.domain.tickets import InvalidTransitionError, NotFoundError, ValidationError
from callcenter.models import Delivery, Dispatch, OutboxMessage, Provider, Region, Ticket
from callcenter.services import dispatch as svc
from callcenter.services import partner_actions
from dispatch_helpers import SECRET, open_ticket, set_channels


def _dispatch(container, world, number, messaging, target, actor="agent_a1"):
    with container.sessions.begin() as s:
        return svc.dispatch_ticket(s, world.actors[actor], number, target, messaging).id


def _rows(container, model, **where):
    with container.sessions() as s:
        return s.scalars(select(model).filter_by(**where).order_by(model.id)).all()


def test_dispatch_writes_the_dispatch_and_a_pending_delivery_per_channel_with_outbox_rows(
        container, world, messaging):
    set_channels(container, "department", world.departments["MZ"], [
        {"kind": "portal"}, {"kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": SECRET},
        {"kind": "sms", "numbers": ["+8613900139000", "+8613700137000"]},
        {"kind": "email", "to": "mz@example.cn"}])
    number = open_ticket(container, world)
    dispatch_id = _dispatch(container, world, number, messaging,
                            {"kind": "department", "id": world.departments["MZ"]})
    rows = _rows(container, Delivery, dispatch_id=dispatch_id)
    assert [(r.channel, r.state) for r in rows] == [
        ("portal", "sent"), ("webhook", "pending"), ("sms", "pending"), ("sms", "pending"),
        ("email", "pending")]
    assert len({r.idempotency_key for r in rows}) == 5
    outbox = _rows(container, OutboxMessage)
    assert sorted(o.delivery_id for o in outbox) == [r.id for r in rows if r.channel != "portal"]
    assert {o.queue for o in outbox} == {"dispatch"}
    body = json.loads(next(r.body for r in rows if r.channel == "webhook"))
    assert body["ticket_number"] == number and body["dispatch_id"] == dispatch_id
    assert {"type", "category", "description", "address", "region", "deadline"} <= set(body)
    assert body["caller_phone"] == "138****8000"
    assert "secret" not in json.dumps([r.recipient for r in rows])
    sms = next(r.body for r in rows if r.channel == "sms")
    assert number in sms and f"/portal/d/tickets/{number}" in sms


def test_a_dispatch_that_fails_validation_leaves_no_dispatch_and_no_delivery(container, world, messaging):
    number = open_ticket(container, world)
    with pytest.raises(ValidationError):
        _dispatch(container, world, number, messaging, {"kind": "department", "id": 9999})
    assert _rows(container, Dispatch) == [] and _rows(container, Delivery) == []
    assert _rows(container, OutboxMessage) == []
    with container.sessions() as s:
        assert s.scalars(select(Ticket.status).where(Ticket.number == number)).one() == "open"


def test_an_agent_cannot_dispatch_a_ticket_outside_their_region(container, world, messaging):
    number = open_ticket(container, world, actor="agent_a1", grid="gridA1")
    with pytest.raises(NotFoundError):
        _dispatch(container, world, number, messaging,
                  {"kind": "department", "id": world.departments["MZ"]}, actor="agent_b")


def _serve(container, world, provider, regions=("A",), capacity=5, rating=5.0):
    with container.sessions.begin() as s:
        p = s.get(Provider, world.providers[provider])
        p.regions = [s.get(Region, world.regions[r]) for r in regions]
        from callcenter.models import Category
        p.categories = [s.get(Category, world.categories["SRV"])]
        p.capacity, p.rating = capacity, rating


def test_any_eligible_provider_is_the_least_loaded_then_best_rated(container, world, messaging):
    _serve(container, world, "P01", rating=4.0)
    _serve(container, world, "P02", rating=4.8)
    first = open_ticket(container, world)
    _dispatch(container, world, first, messaging, {"kind": "auto"})
    second = open_ticket(container, world)
    _dispatch(container, world, second, messaging, {"kind": "auto"})
    with container.sessions() as s:
        targets = [s.scalars(select(Ticket.target_provider_id).where(Ticket.number == n)).one()
                   for n in (first, second)]
        auto = s.scalars(select(Dispatch.auto)).all()
    assert targets == [world.providers["P02"], world.providers["P01"]]
    assert auto == [True, True]


def test_providers_at_capacity_or_not_serving_the_area_are_not_eligible(container, world, messaging):
    _serve(container, world, "P01", capacity=0)
    _serve(container, world, "P02", regions=("B",))
    number = open_ticket(container, world)
    with pytest.raises(svc.NoEligibleProviderError):
        _dispatch(container, world, number, messaging, {"kind": "auto"})
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Dispatch)) == 0


def test_recall_before_signing_cancels_the_unsent_messages(container, world, messaging):
    set_channels(container, "provider", world.providers["P01"],
                 [{"kind": "sms", "numbers": ["+8613900139000"]}])
    number = open_ticket(container, world)
    did = _dispatch(container, world, number, messaging, {"kind": "provider", "id": world.providers["P01"]})
    with container.sessions.begin() as s:
        svc.recall(s, world.actors["agent_a1"], number, "派错单位")
    assert [(r.channel, r.state) for r in _rows(container, Delivery, dispatch_id=did)] == [
        ("portal", "sent"), ("sms", "cancelled")]
    assert [d.state for d in _rows(container, Dispatch)] == ["recalled"]
    assert all(o.completed_at is not None for o in _rows(container, OutboxMessage))


def test_redispatch_after_a_return_makes_a_new_dispatch_with_new_keys(container, world, messaging):
    number = open_ticket(container, world)
    _dispatch(container, world, number, messaging, {"kind": "provider", "id": world.providers["P01"]})
    with container.sessions.begin() as s:
        partner_actions.return_job(s, world.actors["merchant_p01"], number, "不在服务范围")
    _dispatch(container, world, number, messaging, {"kind": "provider", "id": world.providers["P02"]})
    dispatches = _rows(container, Dispatch)
    assert [(d.state, d.provider_id) for d in dispatches] == [
        ("returned", world.providers["P01"]), ("active", world.providers["P02"])]
    assert dispatches[0].return_reason == "不在服务范围"
    with pytest.raises(InvalidTransitionError):  # recall is only before signing for
        with container.sessions.begin() as s:
            partner_actions.accept(s, world.actors["merchant_p02"], number, messaging)
            svc.recall(s, world.actors["agent_a1"], number, "太晚了")
