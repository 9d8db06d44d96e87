"""JSON API v1: auth, error shapes, filters, transitions, scope."""
from __future__ import annotations

import pytest

from callcenter.services.accounts import issue_token
from callcenter.models import User


@pytest.fixture
def token(container, world):
    def make(username: str) -> dict:
        with container.sessions.begin() as s:
            value = issue_token(s, s.get(User, world.users[username]))
        return {"Authorization": f"Bearer {value}"}
    return make


def body(world, **over):
    data = {"channel": "phone", "type": "help", "description": "楼道灯不亮",
            "region_id": world.regions["gridA1"], "category_id": world.categories["SRV-SD"],
            "caller_phone": "138 0013 8000"}
    data.update(over)
    return data


def test_requests_without_credentials_get_401_json(client):
    r = client.get("/api/v1/tickets")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_a_revoked_or_wrong_token_is_refused(client):
    r = client.get("/api/v1/tickets", headers={"Authorization": "Bearer cc_nope"})
    assert r.status_code == 401


def test_create_then_get_with_timeline(client, world, token):
    h = token("agent_a1")
    r = client.post("/api/v1/tickets", json=body(world), headers=h)
    assert r.status_code == 201, r.json
    assert r.json["caller_phone"] == "+8613800138000"
    number = r.json["number"]
    got = client.get(f"/api/v1/tickets/{number}", headers=h).json
    assert got["status"] == "open" and got["timeline"][0]["action"] == "create"


@pytest.mark.parametrize("payload,field", [
    ({"type": "rant"}, "type"), ({"channel": 3}, "channel"), ({"region_id": "7"}, "region_id"),
    ({"description": "长" * 4001}, "description"), ({"description": ""}, "description"),
    ({"caller_phone": "12"}, "caller_phone"), ({"priority": "asap"}, "priority"),
    ({"surprise": 1}, "surprise"),
])
def test_invalid_fields_are_400_naming_the_field_and_write_nothing(client, world, token, payload, field):
    h = token("agent_a1")
    r = client.post("/api/v1/tickets", json=body(world, **payload), headers=h)
    assert r.status_code == 400 and r.json["error"]["field"] == field
    assert client.get("/api/v1/tickets", headers=h).json["total"] == 0


def test_malformed_json_is_400(client, token):
    r = client.post("/api/v1/tickets", data="{not json", content_type="application/json",
                    headers=token("agent_a1"))
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"


def test_a_json_array_body_is_400_not_a_crash(client, token):
    r = client.post("/api/v1/tickets", json=[1, 2], headers=token("agent_a1"))
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid"


def test_unknown_ticket_is_404(client, token):
    r = client.get("/api/v1/tickets/20260101-000001", headers=token("agent_a1"))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_out_of_scope_ticket_is_404_like_a_missing_one(client, world, token):
    number = client.post("/api/v1/tickets", json=body(world), headers=token("agent_a1")).json["number"]
    for who in ("agent_b", "merchant_p01", "dept_mz"):
        r = client.get(f"/api/v1/tickets/{number}", headers=token(who))
        assert r.status_code == 404, who
        assert r.json == {"error": {"code": "not_found", "message": "ticket not found"}}


def test_illegal_transition_is_409_and_changes_nothing(client, world, token):
    h = token("agent_a1")
    number = client.post("/api/v1/tickets", json=body(world), headers=h).json["number"]
    r = client.post(f"/api/v1/tickets/{number}/actions", json={"action": "close"}, headers=h)
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    assert len(client.get(f"/api/v1/tickets/{number}", headers=h).json["timeline"]) == 1


def test_wrong_role_is_403(client, world, token):
    h = token("agent_a1")
    number = client.post("/api/v1/tickets", json=body(world), headers=h).json["number"]
    client.post(f"/api/v1/tickets/{number}/actions", json={"action": "resolve", "result": "ok"}, headers=h)
    r = client.post(f"/api/v1/tickets/{number}/actions", json={"action": "reopen", "reason": "x"}, headers=h)
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"


def test_stale_from_status_is_409_with_one_timeline_entry(client, world, token):
    a, sup = token("agent_a1"), token("sup_a")
    number = client.post("/api/v1/tickets", json=body(world), headers=a).json["number"]
    first = client.post(f"/api/v1/tickets/{number}/actions",
                        json={"action": "resolve", "result": "已答复", "from_status": "open"}, headers=a)
    second = client.post(f"/api/v1/tickets/{number}/actions",
                         json={"action": "cancel", "reason": "重复", "from_status": "open"}, headers=sup)
    assert first.status_code == 200 and second.status_code == 409
    assert [e["action"] for e in client.get(f"/api/v1/tickets/{number}", headers=a).json["timeline"]] \
        == ["create", "resolve"]


def test_dispatch_accept_resolve_through_the_api(client, world, token):
    a = token("agent_a1")
    number = client.post("/api/v1/tickets", json=body(world), headers=a).json["number"]
    r = client.post(f"/api/v1/tickets/{number}/actions", headers=a, json={
        "action": "dispatch", "target": {"kind": "provider", "id": world.providers["P01"]}})
    assert r.status_code == 200 and r.json["accept_deadline"]
    m = token("merchant_p01")
    seen = client.get(f"/api/v1/tickets/{number}", headers=m).json
    assert seen["caller_phone"] == "138****8000" and seen["resident_id"] is None
    assert client.post(f"/api/v1/tickets/{number}/actions", json={"action": "accept"}, headers=m).status_code == 200
    r = client.post(f"/api/v1/tickets/{number}/actions", json={"action": "resolve", "result": "已修好"}, headers=m)
    assert r.json["status"] == "resolved"


def test_list_filters_and_pagination(client, world, token):
    h = token("sup_a")
    a = token("agent_a1")
    for i in range(5):
        client.post("/api/v1/tickets", json=body(world, type="consult" if i % 2 else "help"), headers=a)
    client.post("/api/v1/tickets", json=body(world, region_id=world.regions["gridA2"]), headers=token("agent_a2"))
    assert client.get("/api/v1/tickets?type=consult", headers=h).json["total"] == 2
    assert client.get(f"/api/v1/tickets?region_id={world.regions['A2']}", headers=h).json["total"] == 1
    page = client.get("/api/v1/tickets?per_page=4&page=2", headers=h).json
    assert page["total"] == 6 and len(page["items"]) == 2
    assert client.get("/api/v1/tickets?overdue=true", headers=h).json["total"] == 0
    assert client.get("/api/v1/tickets?status=open&from=2020-01-01", headers=h).json["total"] == 6
    assert client.get("/api/v1/tickets", headers=token("agent_b")).json["total"] == 0


@pytest.mark.parametrize("query,field", [("page=0", "page"), ("per_page=x", "per_page"),
                                         ("status=weird", "status"), ("from=yesterday", "from"),
                                         ("overdue=maybe", "overdue")])
def test_bad_list_filters_are_400(client, token, query, field):
    r = client.get(f"/api/v1/tickets?{query}", headers=token("sup_a"))
    assert r.status_code == 400 and r.json["error"]["field"] == field


def test_cookie_session_writes_need_the_csrf_header(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login")
    token = page.data.decode().split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": "agent_a1", "password": "Passw0rd!", "csrf_token": token})
    assert client.get("/api/v1/tickets").status_code == 200
    home = client.get("/").data.decode()  # log-in starts a new session: take its token
    token = home.split('name="csrf-token" content="')[1].split('"')[0]
    r = client.post("/api/v1/tickets", json=body(world))
    assert r.status_code == 400 and r.json["error"]["code"] == "csrf"
    ok = client.post("/api/v1/tickets", json=body(world), headers={"X-CSRFToken": token})
    assert ok.status_code == 201


def test_dispatch_through_the_generic_action_plans_deliveries_and_recall_cancels_them(
        client, world, token, container):
    from sqlalchemy import select
    from callcenter.models import Delivery, Dispatch, Ticket
    a = token("agent_a1")
    number = client.post("/api/v1/tickets", json=body(world), headers=a).json["number"]
    client.post(f"/api/v1/tickets/{number}/actions", headers=a, json={
        "action": "dispatch", "target": {"kind": "department", "id": world.departments["MZ"]}})
    with container.sessions() as s:
        ticket_id = s.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        d = s.scalars(select(Dispatch).where(Dispatch.ticket_id == ticket_id)).one()
        assert s.scalars(select(Delivery).where(Delivery.dispatch_id == d.id)).all()
    r = client.post(f"/api/v1/tickets/{number}/actions", headers=a,
                    json={"action": "recall", "reason": "派错单位"})
    assert r.status_code == 200 and r.json["status"] == "open"
    with container.sessions() as s:
        assert s.scalars(select(Dispatch).where(Dispatch.ticket_id == ticket_id)).one().state == "recalled"
