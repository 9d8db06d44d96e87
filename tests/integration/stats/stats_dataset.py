"""A small fixed data set whose figures are counted by hand in the tests (docs/stats.md).

Around the 2025 National Day holiday (1–8 October; 28 Sept and 11 Oct are working days):
T1 gridA1 help/phone/SRV-SD, 30 Sep 10:00, accepted on time, resolved 9 Oct — on time only
   because the holiday does not count (deadline 11 Oct) — rated 5, closed.
T2 gridA1 complaint/web, 30 Sep 23:30 (15:30 UTC: still 30 Sep locally), resolved directly,
   reopened twice (2 and 4 Oct), resolved 5 Oct 09:00, rated 3.
T3 gridA2 help/phone/SRV-SD, 1 Oct 00:10 (30 Sep UTC: 1 Oct locally), dispatched, returned 2 Oct.
T4 gridB1 consult/phone, 29 Sep, cancelled.
T5 district A itself, help/phone/SRV-SD, 29 Sep 14:00, dispatched, never accepted, escalated.
T6 street A1, consult/fax, 28 Sep 09:00, dispatched, accepted late (12:00 > 11:00).
"""
from __future__ import annotations

from datetime import datetime

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import Ticket
from callcenter.services import tickets as svc
from callcenter.services.ticket_input import TicketInput

NOW = datetime(2025, 10, 15, 10, 0, tzinfo=SHANGHAI)


def at(month, day, hour, minute=0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def build(session, world) -> dict[str, str]:
    mz = {"target": {"kind": "department", "id": world.departments["MZ"]}}
    sd, admin = world.categories["SRV-SD"], world.actors["admin"]

    def new(region, type_, channel, when, category=None):
        return svc.open_ticket(session, admin, TicketInput(
            channel=channel, type=type_, description="测试", region_id=world.regions[region],
            category_id=category), now=when).number

    def act(number, actor, action, when, **data):
        svc.apply_action(session, world.actors[actor], number, action, data, now=when)

    t = {"T1": new("gridA1", "help", "phone", at(9, 30, 10), sd)}
    act(t["T1"], "admin", "dispatch", at(9, 30, 10, 5), **mz)
    act(t["T1"], "dept_mz", "accept", at(9, 30, 11))
    act(t["T1"], "dept_mz", "resolve", at(10, 9, 10), result="已修复")
    act(t["T1"], "admin", "revisit", at(10, 9, 15), score=5)
    act(t["T1"], "admin", "close", at(10, 9, 16))
    t["T2"] = new("gridA1", "complaint", "web", at(9, 30, 23, 30))
    act(t["T2"], "admin", "resolve", at(10, 1, 9), result="已答复")
    act(t["T2"], "sup_a", "reopen", at(10, 2, 9), reason="未解决")
    act(t["T2"], "admin", "resolve", at(10, 3, 9), result="已答复")
    act(t["T2"], "admin", "reopen", at(10, 4, 9), reason="仍未解决")
    act(t["T2"], "admin", "resolve", at(10, 5, 9), result="已解决")
    act(t["T2"], "admin", "revisit", at(10, 5, 15), score=3)
    t["T3"] = new("gridA2", "help", "phone", at(10, 1, 0, 10), sd)
    act(t["T3"], "admin", "dispatch", at(10, 1, 9), **mz)
    act(t["T3"], "dept_mz", "return", at(10, 2, 10), reason="非本单位职责")
    t["T4"] = new("gridB1", "consult", "phone", at(9, 29, 10))
    act(t["T4"], "admin", "cancel", at(9, 29, 11), reason="重复来电")
    t["T5"] = new("A", "help", "phone", at(9, 29, 14), sd)
    act(t["T5"], "admin", "dispatch", at(9, 29, 14), **mz)
    session.query(Ticket).filter_by(number=t["T5"]).one().escalation_level = 1
    t["T6"] = new("A1", "consult", "fax", at(9, 28, 9))
    act(t["T6"], "admin", "dispatch", at(9, 28, 9), **mz)
    act(t["T6"], "dept_mz", "accept", at(9, 28, 12))
    session.flush()
    return t
