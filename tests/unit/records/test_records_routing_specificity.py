"""The most specific routing rule wins; providers are ranked by load, then rating."""
import pytest

from callcenter.domain.routing import (
    ProviderView, RuleView, TicketFacts, choose_rule, rank_providers, rank_rules)

# Paths: category /1/ 便民服务 → /1/2/ 维修 → /1/2/3/ 水电; region /10/ city → /10/11/ district
# → /10/11/12/ street.
TICKET = TicketFacts(region_path="/10/11/12/", category_path="/1/2/3/", type="help")

CASES = [
    # (description, rules, expected winner id)
    ("catch-all matches when nothing else does",
     [RuleView(1, "department")], 1),
    ("deeper category beats shallower",
     [RuleView(1, "department", "/1/"), RuleView(2, "department", "/1/2/")], 2),
    ("deeper category beats deeper region",
     [RuleView(1, "department", "/1/", "/10/11/12/"), RuleView(2, "department", "/1/2/", "/10/")], 2),
    ("same category: deeper region wins",
     [RuleView(1, "department", "/1/2/", "/10/"), RuleView(2, "department", "/1/2/", "/10/11/")], 2),
    ("same place: a rule for this type beats one for any type",
     [RuleView(1, "department", "/1/", "/10/", priority=50),
      RuleView(2, "department", "/1/", "/10/", "help")], 2),
    ("equal specificity: higher priority wins",
     [RuleView(1, "department", "/1/", priority=1), RuleView(2, "department", "/1/", priority=9)], 2),
    ("equal everything: the older (lower id) rule wins",
     [RuleView(7, "department", "/1/"), RuleView(3, "department", "/1/")], 3),
    ("a rule for another category never matches",
     [RuleView(1, "department", "/1/9/"), RuleView(2, "department")], 2),
    ("a rule for another region never matches",
     [RuleView(1, "department", None, "/10/13/"), RuleView(2, "department")], 2),
    ("a rule for another type never matches",
     [RuleView(1, "department", "/1/2/3/", ticket_type="complaint"), RuleView(2, "department")], 2),
    ("path prefixes compare whole segments",
     [RuleView(1, "department", "/1/2/3/"), RuleView(2, "department", "/1/2/")], 1),
]


@pytest.mark.parametrize("label, rules, winner", CASES, ids=[c[0] for c in CASES])
def test_most_specific_matching_rule_wins(label, rules, winner):
    assert choose_rule(rules, TICKET).id == winner


def test_no_matching_rule_gives_none():
    assert choose_rule([RuleView(1, "department", "/5/")], TICKET) is None


def test_rules_are_ranked_in_full_for_the_agent_to_see():
    rules = [RuleView(1, "department"), RuleView(2, "providers", "/1/2/"),
             RuleView(3, "department", "/1/")]
    assert [r.id for r in rank_rules(rules, TICKET)] == [2, 3, 1]


def test_a_ticket_without_category_matches_only_rules_for_any_category():
    bare = TicketFacts(region_path="/10/11/12/")
    assert [r.id for r in rank_rules([RuleView(1, "department", "/1/"),
                                      RuleView(2, "department")], bare)] == [2]


def _p(pid, jobs, cap=5, rating=4.5, regions=("/10/",), cats=("/1/",), active=True):
    return ProviderView(pid, jobs, cap, rating, regions, cats, active)


def test_eligible_providers_rank_by_fewest_open_jobs_then_best_rating():
    providers = [_p(1, 3), _p(2, 1, rating=4.0), _p(3, 1, rating=4.9), _p(4, 0, rating=3.0)]
    assert [p.id for p in rank_providers(providers, TICKET)] == [4, 3, 2, 1]


@pytest.mark.parametrize("provider", [
    _p(1, 5, cap=5), _p(2, 0, regions=("/10/13/",)), _p(3, 0, cats=("/1/9/",)),
    _p(4, 0, active=False), _p(5, 0, regions=()),
], ids=["at capacity", "other area", "other category", "inactive", "no area"])
def test_providers_at_capacity_elsewhere_or_inactive_are_not_eligible(provider):
    assert rank_providers([provider], TICKET) == []
