"""Open311 GeoReport v2: every JSON response validated against the public schemas, XML
parsed with lxml for the specified element names, errors in the spec's shape and codes."""
from __future__ import annotations

import json
from urllib.parse import urlsplit
from datetime import datetime, timedelta, timezone

import pytest
from jsonschema import Draft4Validator, FormatChecker
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from callcenter.services.open311_keys import issue_key, revoke_key
from public_helpers import FIXTURES

SCHEMAS = FIXTURES / "open311"


CHECKER = FormatChecker()


@CHECKER.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    """RFC 3339 (jsonschema checks it only with an optional package): offset required."""
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@CHECKER.checks("uri")
def _uri(value) -> bool:
    return not isinstance(value, str) or urlsplit(value).scheme in ("http", "https")


def test_the_format_checks_can_fail():
    assert not CHECKER.conforms("2026-01-01T00:00:00", "date-time")
    assert not CHECKER.conforms("yesterday", "date-time")
    assert CHECKER.conforms("2026-01-01T00:00:00+08:00", "date-time")


def _validator(name: str) -> Draft4Validator:
    docs = {p.name.replace(".schema", ""): json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (key, Resource.from_contents(doc, default_specification=DRAFT4)) for key, doc in docs.items())
    return Draft4Validator(docs[name], registry=registry, format_checker=CHECKER)


def _valid(name: str, body) -> None:
    errors = sorted(_validator(name).iter_errors(body), key=str)
    assert errors == [], errors[0].message if errors else ""


@pytest.fixture
def api_key(public_world, container):
    with container.sessions.begin() as s:
        client, key = issue_key(s, public_world.actors["admin"], "随手拍App", rate_limit="3/minute")
        public_world.client_id = client.id
    return key


def _post(client, key, **over):
    data = {"api_key": key, "service_code": "SD-REPAIR", "attribute[region]": "340202001",
            "address_string": "北京路1号", "lat": "31.33", "long": "118.37",
            "description": "路灯不亮", "email": "a@example.com", "phone": "13900139000",
            "media_url": "https://img.example.com/1.jpg"}
    data.update(over)
    return client.post("/open311/v2/requests.json", data=data)


def test_services_and_definition_match_the_schemas_in_json_and_xml(client, public_world):
    services = client.get("/open311/v2/services.json").get_json()
    _valid("services.json", services)
    assert services[0]["service_code"] == "SD-REPAIR" and services[0]["keywords"] == "漏水,停电"
    definition = client.get("/open311/v2/services/SD-REPAIR.json").get_json()
    _valid("service-definition.json", definition)
    region = definition["attributes"][0]
    assert region["code"] == "region" and {"key": "340202001", "name": "街道A1"} in region["values"]
    xml = etree.fromstring(client.get("/open311/v2/services/SD-REPAIR.xml").data)
    assert xml.tag == "service_definition"
    assert xml.findtext("attributes/attribute/values/value/key") is not None
    assert etree.fromstring(client.get("/open311/v2/services.xml").data).findtext(
        "service/service_code") == "SD-REPAIR"


def test_post_creates_an_open311_ticket_then_get_and_token_find_it(client, public_world, api_key, session):
    resp = _post(client, api_key)
    assert resp.status_code == 201
    created = resp.get_json()[0]
    number, token = created["service_request_id"], created["token"]
    found = client.get(f"/open311/v2/requests/{number}.json").get_json()
    _valid("requests.json", found)
    assert found[0]["status"] == "open" and found[0]["lat"] == 31.33
    assert found[0]["expected_datetime"].endswith("+08:00")
    assert "a@example.com" not in json.dumps(found) and "13900139000" not in json.dumps(found)
    assert client.get(f"/open311/v2/tokens/{token}.json").get_json() == [
        {"service_request_id": number, "token": token}]
    xml = etree.fromstring(client.get(f"/open311/v2/requests/{number}.xml").data)
    assert xml.tag == "service_requests" and xml.findtext("request/service_request_id") == number
    assert xml.findtext("request/status") == "open"


def test_resolved_ticket_reads_closed_with_the_result_and_the_agency(client, public_world, api_key, container):
    number = _post(client, api_key).get_json()[0]["service_request_id"]
    from callcenter.services.tickets import apply_action
    with container.sessions.begin() as s:
        admin = public_world.actors["admin"]
        apply_action(s, admin, number, "dispatch",
                     {"target": {"kind": "department", "id": public_world.departments["MZ"]}})
        apply_action(s, public_world.actors["dept_mz"], number, "accept", {})
        apply_action(s, public_world.actors["dept_mz"], number, "resolve", {"result": "已更换灯泡"})
    body = client.get(f"/open311/v2/requests.json?service_request_id={number}").get_json()
    _valid("requests.json", body)
    assert (body[0]["status"], body[0]["status_notes"], body[0]["agency_responsible"]) == \
        ("closed", "已更换灯泡", "MZ局")
    assert client.get("/open311/v2/requests.json?status=open").get_json() == []
    assert len(client.get("/open311/v2/requests.json?status=closed").get_json()) == 1


def test_get_requests_defaults_to_the_last_90_days_and_refuses_a_longer_span(client, public_world, api_key):
    _post(client, api_key)
    assert len(client.get("/open311/v2/requests.json").get_json()) == 1
    old = (datetime.now(timezone.utc) - timedelta(days=200)).isoformat()
    assert client.get(f"/open311/v2/requests.json?end_date={old}").get_json() == []
    resp = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
    assert resp.status_code == 400 and resp.get_json()[0]["code"] == 400


@pytest.mark.parametrize("over, status", [
    ({"api_key": "nope"}, 403), ({"service_code": "NOPE"}, 400),
    ({"attribute[region]": "999"}, 400), ({"address_string": "", "lat": "", "long": ""}, 400),
    ({"lat": "north"}, 400), ({"description": ""}, 400), ({"phone": "12"}, 400)])
def test_bad_posts_get_the_spec_error_shape_and_create_nothing(client, public_world, api_key, over, status):
    resp = _post(client, api_key, **over)
    assert resp.status_code == status
    body = resp.get_json()
    assert set(body[0]) == {"code", "description"} and body[0]["code"] == status
    assert client.get("/open311/v2/requests.json").get_json() == []


def test_errors_in_xml_use_errors_and_error_elements(client, public_world):
    resp = client.get("/open311/v2/requests/19990101-000001.xml")
    assert resp.status_code == 404
    xml = etree.fromstring(resp.data)
    assert xml.tag == "errors" and xml.findtext("error/code") == "404" and xml.findtext("error/description")


def test_a_revoked_key_is_refused(client, public_world, api_key, container):
    with container.sessions.begin() as s:
        revoke_key(s, public_world.actors["admin"], public_world.client_id)
    assert _post(client, api_key).status_code == 403


def test_a_key_over_its_rate_limit_gets_429(client, public_world, api_key):
    codes = [_post(client, api_key).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_another_jurisdiction_is_not_found(client, public_world):
    resp = client.get("/open311/v2/services.json?jurisdiction_id=110000")
    assert resp.status_code == 404
    assert client.get("/open311/v2/services.json?jurisdiction_id=340200").status_code == 200


def test_discovery_lists_the_endpoint_in_both_formats(client, public_world):
    body = client.get("/open311/v2/discovery.json").get_json()
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert body["endpoints"][0]["url"].endswith("/open311/v2/")
    xml = etree.fromstring(client.get("/open311/v2/discovery.xml").data)
    assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_phone_and_web_tickets_are_never_listed(client, public_world, container):
    from callcenter.services.ticket_input import TicketInput
    from callcenter.services.tickets import open_ticket
    with container.sessions.begin() as s:
        open_ticket(s, public_world.actors["admin"], TicketInput(
            channel="phone", type="help", description="私人诉求", region_id=public_world.regions["A1"]))
    assert client.get("/open311/v2/requests.json").get_json() == []
