"""Caller-ID lookup: everyone on the number, any notation, with tags and the last 5 tickets."""
from datetime import datetime, timedelta, timezone

from callcenter.services import tickets as ticket_service
from callcenter.services.residents import lookup_caller
from callcenter.services.ticket_input import TicketInput
from records_helpers import add_resident

LANDLINE = "+861065123456"


def _tickets(session, world, resident_id, n):
    start = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    for i in range(n):
        ticket_service.open_ticket(session, world.actors["agent_a1"], TicketInput(
            channel="phone", type="help", description=f"第{i}次来电", region_id=world.regions["gridA1"],
            category_id=world.categories["SRV-SD"], resident_id=resident_id), now=start + timedelta(hours=i))


def test_a_shared_landline_finds_every_resident_with_tags(session, world):
    with session.begin():
        a = add_resident(session, world, "张伟", phones=[LANDLINE], tags=["独居老人", "低保户"])
        b = add_resident(session, world, "李娜", phones=["+8613800138000", LANDLINE])
        add_resident(session, world, "王强", phones=["+8613900139000"])
    matches = lookup_caller(session, "010-6512 3456")
    assert [m.resident_id for m in matches] == [a, b]
    assert matches[0].tags == ["低保户", "独居老人"] and matches[1].tags == []
    assert matches[0].phone == LANDLINE and matches[0].phone_masked == "010****3456"
    assert matches[0].grid == "网格A1" and matches[0].language == "zh"


def test_every_notation_of_the_number_finds_the_same_residents(session, world):
    with session.begin():
        add_resident(session, world, "张伟", phones=[LANDLINE])
    for raw in ("+86 10 65123456", "01065123456", "0086-10-65123456"):
        assert [m.name for m in lookup_caller(session, raw)] == ["张伟"]


def test_only_the_last_five_tickets_come_newest_first(session, world):
    with session.begin():
        rid = add_resident(session, world, "张伟", phones=[LANDLINE])
        _tickets(session, world, rid, 7)
    [match] = lookup_caller(session, LANDLINE)
    assert [t["number"] for t in match.last_tickets] == sorted(
        (t["number"] for t in match.last_tickets), reverse=True)
    assert len(match.last_tickets) == 5
    assert match.last_tickets[0]["category"] == "水电维修"
    assert match.last_tickets[0]["created_at"].tzinfo is not None


def test_unknown_or_unreadable_numbers_find_nobody(session, world):
    with session.begin():
        add_resident(session, world, "张伟", phones=[LANDLINE])
    assert lookup_caller(session, "13800138000") == []
    assert lookup_caller(session, "anonymous") == []
    assert lookup_caller(session, "") == []
