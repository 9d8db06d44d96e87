"""Resident figures equal the hand count: by tag, age band (birthday edge), gender, region."""
from __future__ import annotations

from datetime import date, datetime

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import Region, Resident, ResidentTag
from callcenter.services import tickets as svc
from callcenter.services.stats import residents as sr
from callcenter.services.stats.periods import DateRange
from callcenter.services.stats.tickets import Node
from callcenter.services.ticket_input import TicketInput

ON = date(2025, 3, 3)


def _people(s, world):
    spec = [("张三", "M", date(1940, 5, 1), "gridA1", ["独居老人", "残疾人"]),
            ("李四", "F", date(2010, 1, 1), "gridA1", []),
            ("王小明", "F", date(1955, 3, 3), "A1", ["低保户"]),     # 70 on the day itself
            ("赵六", "M", None, "gridB1", ["独居老人"])]
    ids = {}
    for name, gender, born, region, tags in spec:
        r = Resident(name=name, gender=gender, birth_date=born, region_id=world.regions[region])
        r.tags = [ResidentTag(tag=t) for t in tags]
        s.add(r)
        s.flush()
        ids[name] = r.id
    return ids


def test_resident_profile_and_children_match_the_hand_count(container, world):
    with container.sessions.begin() as s:
        _people(s, world)
        a = Node.of(s.get(Region, world.regions["A"]))
        p = sr.profile(s, a, ON)
        assert p["residents"] == 3
        assert p["by_gender"] == {"M": 1, "F": 2}
        assert p["by_age"] == {"0-17": 1, "18-59": 0, "60-69": 0, "70-79": 1, "80+": 1}
        assert p["by_tag"] == {"低保户": 1, "残疾人": 1, "独居老人": 1}
        city = Node.of(s.get(Region, world.regions["city"]))
        assert sr.profile(s, city, ON)["by_age"]["unknown"] == 1
        rows = {r["name"]: r for r in sr.children_by_tag(s, a)}
        assert rows["街道A1"]["residents"] == 3 and rows["街道A1"]["独居老人"] == 1
        assert rows["街道A2"]["residents"] == 0


def test_vulnerable_residents_who_called_and_about_what(container, world):
    with container.sessions.begin() as s:
        ids = _people(s, world)
        for name in ("张三", "李四"):
            svc.open_ticket(s, world.actors["admin"], TicketInput(
                channel="phone", type="help", description="需要助餐", region_id=world.regions["gridA1"],
                category_id=world.categories["SRV-SD"], resident_id=ids[name]),
                now=datetime(2025, 3, 3, 9, tzinfo=SHANGHAI))
        a = Node.of(s.get(Region, world.regions["A"]))
        rows = sr.vulnerable_contacts(s, a, DateRange(ON, ON))
        assert [(r["resident"], r["tags"], r["category"]) for r in rows] == \
            [("张*", ["残疾人", "独居老人"], "水电维修")]          # 李四 has no tag
        assert sr.vulnerable_contacts(s, a, DateRange(date(2025, 3, 4), date(2025, 3, 4))) == []
