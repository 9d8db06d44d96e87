"""The life cycle of ARCHITECTURE.md §6: every (state, action) for every role, in and out of scope."""
from __future__ import annotations

import itertools

import pytest

from callcenter.domain.tickets import (
    ALLOWED, RULES, Action, Actor, ForbiddenError, InvalidTransitionError, NotFoundError,
    TicketStatus, TicketView, ValidationError, decide, transition)

S = TicketStatus
REGION = "/1/2/3/"
ROLES = ("agent", "supervisor", "merchant", "department", "admin")

GOOD_DATA = {"target": {"kind": "department", "id": 7}, "result": "已处理", "reason": "不属实",
             "score": 4}

# The whole table, written out from ARCHITECTURE.md §6: (from, action) -> (to, roles allowed)
STAFF = {"agent", "supervisor", "admin"}
PARTNER = {"merchant", "department"}
EXPECTED = {
    (S.OPEN, "dispatch"): (S.DISPATCHED, STAFF),
    (S.OPEN, "resolve"): (S.RESOLVED, STAFF),
    (S.OPEN, "cancel"): (S.CANCELLED, STAFF),
    (S.DISPATCHED, "accept"): (S.ACCEPTED, PARTNER),
    (S.DISPATCHED, "return"): (S.RETURNED, PARTNER),
    (S.DISPATCHED, "recall"): (S.OPEN, STAFF),
    (S.ACCEPTED, "resolve"): (S.RESOLVED, PARTNER | {"supervisor", "admin"}),
    (S.RETURNED, "dispatch"): (S.DISPATCHED, STAFF),
    (S.RETURNED, "resolve"): (S.RESOLVED, STAFF),
    (S.RETURNED, "cancel"): (S.CANCELLED, STAFF),
    (S.RESOLVED, "revisit"): (S.REVISITED, STAFF),
    (S.RESOLVED, "reopen"): (S.OPEN, {"supervisor", "admin"}),
    (S.REVISITED, "close"): (S.CLOSED, STAFF),
    (S.REVISITED, "reopen"): (S.OPEN, {"supervisor", "admin"}),
}


def actor(role: str, path: str = REGION) -> Actor:
    return Actor(user_id=1, role=role, region_path=path, department_id=7 if role == "department" else None,
                 provider_id=9 if role == "merchant" else None)


def ticket(status: S, path: str = REGION + "4/") -> TicketView:
    return TicketView(status, path, target_department_id=7, target_provider_id=9)


CASES = list(itertools.product(list(S), [a.value for a in Action], ROLES))


@pytest.mark.parametrize("status,action,role", CASES)
def test_every_transition_is_allowed_exactly_as_the_table_says(status, action, role):
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransitionError):
            decide(actor(role), ticket(status), action, GOOD_DATA)
    elif role not in expected[1]:
        with pytest.raises(ForbiddenError):
            decide(actor(role), ticket(status), action, GOOD_DATA)
    else:
        assert decide(actor(role), ticket(status), action, GOOD_DATA).rule.target == expected[0]


def test_rules_and_allowed_graph_agree_with_the_architecture():
    assert {(r.source, r.action.value): r.target for r in RULES} == \
        {k: v[0] for k, v in EXPECTED.items()}
    for source, targets in ALLOWED.items():
        assert targets == {v[0] for (s, _), v in EXPECTED.items() if s == source}


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_staff_outside_their_region_get_not_found_not_forbidden(role):
    other = actor(role, path="/1/2/99/")
    with pytest.raises(NotFoundError):
        decide(other, ticket(S.OPEN), "dispatch", GOOD_DATA)


def test_staff_see_tickets_anywhere_below_their_node():
    assert decide(actor("agent", "/1/"), ticket(S.OPEN, "/1/2/3/4/5/"), "cancel", GOOD_DATA)


def test_a_sibling_region_with_a_longer_id_is_not_inside():
    # "/1/2/3/" must not match "/1/2/31/": paths end with a slash for this reason.
    with pytest.raises(NotFoundError):
        decide(actor("agent", "/1/2/3/"), ticket(S.OPEN, "/1/2/31/"), "cancel", GOOD_DATA)


@pytest.mark.parametrize("role,other", [("department", {"department_id": 8}),
                                        ("merchant", {"provider_id": 10})])
def test_partners_cannot_touch_tickets_sent_to_someone_else(role, other):
    partner = Actor(user_id=2, role=role, region_path=REGION, **other)
    with pytest.raises(NotFoundError):
        decide(partner, ticket(S.DISPATCHED), "accept", {})


@pytest.mark.parametrize("status,action,field", [
    (S.OPEN, "dispatch", "target"), (S.OPEN, "resolve", "result"), (S.OPEN, "cancel", "reason"),
    (S.RETURNED, "cancel", "reason"), (S.RESOLVED, "revisit", "score"),
    (S.RESOLVED, "reopen", "reason"), (S.DISPATCHED, "recall", "reason"),
])
def test_actions_missing_their_required_data_are_rejected(status, action, field):
    role = "department" if action == "return" else "admin"
    with pytest.raises(ValidationError) as err:
        decide(actor(role), ticket(status), action, {})
    assert err.value.field == field


def test_a_return_needs_a_reason():
    with pytest.raises(ValidationError) as err:
        decide(actor("department"), ticket(S.DISPATCHED), "return", {"reason": "   "})
    assert err.value.field == "reason"


@pytest.mark.parametrize("score", [0, 6, "5", 4.5, True, None])
def test_a_revisit_score_is_an_integer_from_1_to_5(score):
    with pytest.raises(ValidationError):
        decide(actor("agent"), ticket(S.RESOLVED), "revisit", {"score": score})


def test_an_unknown_action_is_a_validation_error_not_a_crash():
    with pytest.raises(ValidationError):
        decide(actor("agent"), ticket(S.OPEN), "teleport", {})


def test_transition_function_refuses_edges_not_in_the_graph():
    assert transition(S.OPEN, S.DISPATCHED) is S.DISPATCHED
    with pytest.raises(InvalidTransitionError):
        transition(S.CLOSED, S.OPEN)
