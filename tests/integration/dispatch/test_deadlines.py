"""Reminders and escalation on the real 2026 calendar around Spring Festival.

chinese_calendar 2026: Sat 02-14 is an adjusted working day (the last before the holiday),
02-15…02-23 are holidays, Sat 02-28 is again an adjusted working day.
"""
from __future__ import annotations

from sqlalchemy import select

from callcenter.models import Category, Delivery, Ticket, TicketEvent, User
from callcenter.ports import RecordingEvents
from callcenter.services import dispatch as svc
from callcenter.services import partner_actions
from callcenter.services.deadlines_job import check_deadlines
from dispatch_helpers import open_ticket, set_channels, shanghai


def _ticket_due_on_the_last_working_day(container, world, messaging, accept=True) -> str:
    with container.sessions.begin() as s:
        s.get(Category, world.categories["SRV-SD"]).deadline_policy = {"default": {"complete_days": 2}}
    set_channels(container, "provider", world.providers["P01"],
                 [{"kind": "sms", "numbers": ["+8613900139000"]}])
    number = open_ticket(container, world, when=shanghai(2026, 2, 12, 10))
    with container.sessions.begin() as s:
        svc.dispatch_ticket(s, world.actors["agent_a1"], number,
                            {"kind": "provider", "id": world.providers["P01"]}, messaging,
                            now=shanghai(2026, 2, 12, 10, 5))
        if accept:
            partner_actions.accept(s, world.actors["merchant_p01"], number, messaging,
                                   now=shanghai(2026, 2, 12, 10, 30))
    with container.sessions() as s:
        due = s.scalars(select(Ticket.complete_deadline).where(Ticket.number == number)).one()
    assert due == shanghai(2026, 2, 14, 23, 59, 59)
    return number


def _run(container, messaging, *when, events=None):
    return check_deadlines(container.sessions, messaging, now=shanghai(*when), events=events)


def _reminders(container, number):
    with container.sessions() as s:
        return s.execute(select(Delivery.channel, Delivery.body).join(Ticket).where(
            Ticket.number == number, Delivery.purpose == "reminder").order_by(Delivery.id)).all()


def test_the_target_is_reminded_once_when_one_working_day_is_left(container, world, messaging):
    number = _ticket_due_on_the_last_working_day(container, world, messaging)
    assert _run(container, messaging, 2026, 2, 13, 10).reminded == []   # 13 office hours left
    assert _run(container, messaging, 2026, 2, 13, 18).reminded == [number]  # only Saturday left
    assert _run(container, messaging, 2026, 2, 14, 9).reminded == []    # not twice
    rows = _reminders(container, number)
    assert [c for c, _ in rows] == ["portal", "sms"]
    assert "2026-02-14 23:59" in rows[0][1] and number in rows[1][1]


def test_past_the_deadline_the_ticket_is_escalated_to_its_regions_supervisor(container, world,
                                                                           messaging):
    number = _ticket_due_on_the_last_working_day(container, world, messaging)
    events = RecordingEvents()
    report = _run(container, messaging, 2026, 2, 16, 10, events=events)   # in the holiday
    assert report.escalated == [(number, 1)]
    assert ("ticket.escalated", {"number": number, "level": 1}, "supervisors") in events.published
    with container.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.escalation_level == 1 and t.events[-1].action == "escalate"
        notes = s.scalars(select(Delivery).where(Delivery.purpose == "escalation")).all()
        assert [n.user_id for n in notes] == [world.users["sup_a"]]
        assert "督办（1级）" in notes[0].body
    assert _run(container, messaging, 2026, 2, 17, 10).escalated == []   # once per level


def test_five_working_days_past_it_goes_one_region_level_up(container, world, messaging):
    number = _ticket_due_on_the_last_working_day(container, world, messaging)
    with container.sessions.begin() as s:
        from factories import _hash
        city_sup = User(username="sup_city", display_name="市级班长", password_hash=_hash(),
                        role="supervisor", region_id=world.regions["city"])
        s.add(city_sup)
        s.flush()
        city_sup_id = city_sup.id
    assert _run(container, messaging, 2026, 2, 16, 10).escalated == [(number, 1)]
    # Five weekdays after the 14th end on the 20th, but the holiday does not count:
    # the working days are 02-24, 25, 26, 27 and Saturday 02-28.
    assert _run(container, messaging, 2026, 2, 27, 16).escalated == []
    assert _run(container, messaging, 2026, 2, 28, 16).escalated == []
    assert _run(container, messaging, 2026, 3, 1, 10).escalated == [(number, 2)]
    with container.sessions() as s:
        users = s.scalars(select(Delivery.user_id).where(Delivery.purpose == "escalation")
                          .order_by(Delivery.id)).all()
        levels = s.scalars(select(TicketEvent.data).where(TicketEvent.action == "escalate")).all()
    assert users == [world.users["sup_a"], city_sup_id]
    assert [d["level"] for d in levels] == [1, 2]


def test_the_acceptance_clock_stops_over_the_holiday(container, world, messaging):
    number = open_ticket(container, world, when=shanghai(2026, 2, 14, 16))
    with container.sessions.begin() as s:
        svc.dispatch_ticket(s, world.actors["agent_a1"], number,
                            {"kind": "provider", "id": world.providers["P01"]}, messaging,
                            now=shanghai(2026, 2, 14, 16, 30))
    with container.sessions() as s:
        due = s.scalars(select(Ticket.accept_deadline).where(Ticket.number == number)).one()
    assert due == shanghai(2026, 2, 24, 10)   # 1 h on Saturday, 1 h after the holiday
    assert _run(container, messaging, 2026, 2, 20, 10).reminded == []
    assert _run(container, messaging, 2026, 2, 20, 10).escalated == []
    assert _run(container, messaging, 2026, 2, 24, 9, 40).reminded == [number]
    assert _run(container, messaging, 2026, 2, 24, 10, 5).escalated == [(number, 1)]


def test_an_approved_extension_moves_the_deadline_and_the_reminder_with_it(container, world,
                                                                          messaging):
    number = _ticket_due_on_the_last_working_day(container, world, messaging)
    with container.sessions.begin() as s:
        row = partner_actions.request_extension(s, world.actors["merchant_p01"], number,
                                                shanghai(2026, 2, 26, 23, 59, 59), "需要订购配件",
                                                now=shanghai(2026, 2, 13, 9))
        partner_actions.decide_extension(s, world.actors["sup_a"], row.id, True, "同意", messaging,
                                         now=shanghai(2026, 2, 13, 9, 30))
    assert _run(container, messaging, 2026, 2, 16, 10).escalated == []
    assert _run(container, messaging, 2026, 2, 25, 18).reminded == [number]
