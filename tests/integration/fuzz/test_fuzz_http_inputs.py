"""Fuzz the JSON API and Open311 input handlers (hypothesis, bounded): whatever a client
sends, the answer is a clear 4xx error in the documented format or a success, never a 5xx,
and a refused request stores nothing."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from callcenter.models import Ticket
from callcenter.services.ticket_input import TicketInput

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(),
                    st.text(max_size=40), st.sampled_from(["phone", "help", "consult", "", "0"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)
FIELDS = ["channel", "type", "description", "region_id", "category_id", "caller_phone",
          "caller_name", "address", "resident_id", "priority"]
# One credential per test database (hypothesis reuses the function's fixtures for all examples).
_CACHE: dict = {}
ticket_bodies = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS)))


@FUZZ
@given(ticket_bodies)
@example({"channel": "phone", "type": "help", "description": "x", "region_id": 2**70})
@example({"channel": "phone", "type": "help", "description": "x", "region_id": float("nan")})
def test_ticket_input_either_parses_or_raises_its_validation_error(body):
    from callcenter.domain.tickets import TicketError
    try:
        TicketInput.parse(body)
    except TicketError as exc:
        assert exc.code and str(exc)


def _bearer(client, container, world) -> dict:
    from callcenter.models import User
    from callcenter.services.accounts import issue_token
    with container.sessions.begin() as s:
        token = issue_token(s, s.get(User, world.users["agent_a1"]), "fuzz")
    return {"Authorization": f"Bearer {token}"}


def _tickets(container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


@FUZZ
@given(body=ticket_bodies)
def test_the_ticket_api_answers_any_json_with_a_4xx_error_or_a_ticket(client, container,
                                                                        world, body):
    headers = _CACHE.get(("bearer", id(container))) or _bearer(client, container, world)
    _CACHE[("bearer", id(container))] = headers
    before = _tickets(container)
    response = client.post("/api/v1/tickets", data=json.dumps(body), headers=headers,
                           content_type="application/json")
    assert response.status_code < 500, response.data[:300]
    if response.status_code == 201:
        assert _tickets(container) == before + 1
    else:
        assert response.status_code in (400, 404, 409, 422)
        assert set(response.get_json()["error"]) >= {"code", "message"}
        assert _tickets(container) == before


def test_malformed_json_is_a_clear_400_not_a_crash(client, container, world):
    response = client.post("/api/v1/tickets", data=b"{\"channel\": \xff", headers=_bearer(
        client, container, world), content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"]


open311_fields = st.dictionaries(
    st.sampled_from(["service_code", "description", "lat", "long", "address_string",
                     "email", "first_name", "last_name", "phone", "device_id",
                     "attribute[x]", "media_url", "account_id"]),
    st.one_of(st.text(max_size=60), st.sampled_from(["SRV-SD", "SRV", "999", "-91", "1e309",
                                                     "nan", "13800138000"])),
    max_size=8)


@FUZZ
@given(fields=open311_fields, fmt=st.sampled_from(["json", "xml"]))
def test_open311_post_requests_answers_any_form_with_its_error_format(client, container, world,
                                                                      fields, fmt):
    from callcenter.services.open311_keys import issue_key
    key = _CACHE.get(("open311", id(container)))
    if key is None:
        with container.sessions.begin() as s:
            _, key = issue_key(s, None, "fuzz", rate_limit="100000/hour")
        _CACHE[("open311", id(container))] = key
    response = client.post(f"/open311/v2/requests.{fmt}", data={**fields, "api_key": key})
    assert response.status_code < 500, response.data[:300]
    if response.status_code >= 400 and fmt == "json":
        errors = response.get_json()
        assert isinstance(errors, list) and {"code", "description"} <= set(errors[0])
