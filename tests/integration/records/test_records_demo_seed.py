"""The demo data: 2,000 residents in the demo grids with mainland phones, ~5% 独居老人,
and one service guide for each of the 40 demo categories."""
import random

from callcenter.demo import data, seed
from callcenter.demo.catalog import seed_catalog
from callcenter.demo.residents import seed_residents
from callcenter.domain.idcard import is_valid
from callcenter.domain.phones import normalize
from callcenter.models import Category, Resident, RoutingRule, ServiceItem


def test_demo_residents_and_guides_are_realistic_and_seeding_twice_adds_nothing(container):
    with container.sessions.begin() as s:
        regions, cats = seed._regions(s), seed._categories(s)
        assert seed_residents(s, regions, random.Random(7)) == 2000
        assert seed_catalog(s, cats, seed._departments(s, regions, cats)) == 40
        assert seed_residents(s, regions, random.Random(7)) == 0
        assert seed_catalog(s, cats, {}) == 0
    with container.sessions() as s:
        residents = s.query(Resident).all()
        alone = sum("独居老人" in r.tag_names for r in residents) / len(residents)
        assert 0.03 <= alone <= 0.07
        assert all(r.region.level == "grid" and r.address.startswith(r.region.parent.name)
                   for r in residents)
        assert all(normalize(p.e164) == p.e164 for r in residents for p in r.phones)
        assert all(is_valid(r.id_number) for r in residents)
        assert all(2 <= len(r.name) <= 4 and r.name_initials for r in residents)
        shared = {}
        for r in residents:
            for p in r.phones:
                shared.setdefault(p.e164, set()).add(r.id)
        assert any(len(ids) > 1 for ids in shared.values())  # households share landlines
        covered = {i.category_id for i in s.query(ServiceItem)}
        assert covered == {c.id for c in s.query(Category)} and len(covered) == 40
        assert all(i.steps and i.materials and i.ivr_text for i in s.query(ServiceItem))
        assert s.query(RoutingRule).count() == len(data.CATEGORIES) + 3
