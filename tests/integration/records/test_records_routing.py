"""suggest_targets: the winning rule's target first, each with its reason; providers ranked."""
from types import SimpleNamespace

import pytest

from callcenter.domain.tickets import ValidationError
from callcenter.models import Category, Provider, Region
from callcenter.services import tickets as ticket_service
from callcenter.services.routing import RuleInput, save_rule, suggest_targets
from callcenter.services.ticket_input import TicketInput


def _ticket(world, grid="gridA1", category="SRV-SD", type_="help"):
    return SimpleNamespace(region_id=world.regions[grid], category_id=world.categories[category],
                           type=type_)


@pytest.fixture
def rules(session, world):
    admin = world.actors["admin"]
    with session.begin():
        save_rule(session, admin, RuleInput("department", "便民兜底", department_id=world.departments["MZ"],
                                            category_id=world.categories["SRV"]))
        save_rule(session, admin, RuleInput("department", "区A城管", department_id=world.departments["CG"],
                                            category_id=world.categories["SRV"],
                                            region_id=world.regions["A"]))
        save_rule(session, admin, RuleInput("providers", "水电加盟商",
                                            category_id=world.categories["SRV-SD"]))
        for code, cap, rating in (("P01", 5, 4.2), ("P02", 5, 4.9)):
            prov = session.get(Provider, world.providers[code])
            prov.capacity, prov.rating = cap, rating
            prov.regions = [session.get(Region, world.regions["A"])]
            prov.categories = [session.get(Category, world.categories["SRV-SD"])]


def test_the_most_specific_rule_leads_and_every_candidate_has_a_reason(session, world, rules):
    out = suggest_targets(session, _ticket(world))
    assert [(s.kind, s.name) for s in out] == [
        ("provider", "商户P02"), ("provider", "商户P01"), ("department", "CG局"), ("department", "MZ局")]
    assert [s.rank for s in out] == [1, 2, 3, 4]
    assert "水电加盟商" in out[0].reason and "评分 4.9" in out[0].reason
    assert "区域：区A" in out[2].reason


def test_providers_with_fewer_open_jobs_come_first(session, world, rules):
    with session.begin():
        ticket = ticket_service.open_ticket(session, world.actors["agent_a1"], TicketInput(
            channel="phone", type="help", description="漏水", region_id=world.regions["gridA1"],
            category_id=world.categories["SRV-SD"]))
        ticket_service.apply_action(session, world.actors["agent_a1"], ticket.number, "dispatch",
                                    {"target": {"kind": "provider", "id": world.providers["P02"]}})
    names = [s.name for s in suggest_targets(session, _ticket(world)) if s.kind == "provider"]
    assert names == ["商户P01", "商户P02"]


def test_outside_the_rules_regions_the_general_rule_applies(session, world, rules):
    out = suggest_targets(session, _ticket(world, grid="gridB1"))
    assert [(s.kind, s.name) for s in out] == [("department", "MZ局")]


def test_a_department_rule_needs_a_department(session, world):
    with pytest.raises(ValidationError):
        save_rule(session, world.actors["admin"], RuleInput("department"))


def test_only_admins_write_rules(session, world):
    from callcenter.domain.tickets import ForbiddenError
    with pytest.raises(ForbiddenError):
        save_rule(session, world.actors["sup_a"], RuleInput("providers"))
