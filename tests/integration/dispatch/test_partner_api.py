"""The dispatch API: a department's own system signs for, returns and replies by HTTP."""
from __future__ import annotations

import base64

from sqlalchemy import select

from callcenter.models import Delivery, User
from callcenter.services.accounts import issue_token
from dispatch_helpers import SECRET, open_ticket, set_channels


def bearer(container, username) -> dict:
    with container.sessions.begin() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return {"Authorization": f"Bearer {issue_token(s, user, 'test')}"}


def test_an_agent_dispatches_and_the_department_signs_for_and_replies_by_api(client, container, world):
    number = open_ticket(container, world)
    agent, dept = bearer(container, "agent_a1"), bearer(container, "dept_mz")
    r = client.post(f"/api/v1/tickets/{number}/dispatch", headers=agent,
                    json={"target": {"kind": "department", "id": world.departments["MZ"]}})
    assert r.status_code == 201 and r.json["status"] == "dispatched"
    jobs = client.get("/api/v1/partner/jobs?bucket=new", headers=dept).json["items"]
    assert [j["number"] for j in jobs] == [number] and jobs[0]["caller_phone"] == "138****8000"
    assert client.post(f"/api/v1/partner/jobs/{number}/accept", headers=dept).json["status"] == "accepted"
    pdf = base64.b64encode(b"%PDF-1.4 reply").decode()
    r = client.post(f"/api/v1/partner/jobs/{number}/reply", headers=dept,
                    json={"result": "已处理", "attachments": [{"filename": "回复.pdf", "content_base64": pdf}]})
    assert r.status_code == 200 and r.json["status"] == "resolved" and r.json["result"] == "已处理"


def test_api_errors_are_json_with_a_code(client, container, world):
    number = open_ticket(container, world)
    agent, dept, other = (bearer(container, u) for u in ("agent_a1", "dept_mz", "dept_cg"))
    r = client.post(f"/api/v1/tickets/{number}/dispatch", headers=agent, json={"target": "MZ"})
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid"
    client.post(f"/api/v1/tickets/{number}/dispatch", headers=agent,
                json={"target": {"kind": "department", "id": world.departments["MZ"]}})
    r = client.post(f"/api/v1/partner/jobs/{number}/accept", headers=other)
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.post(f"/api/v1/partner/jobs/{number}/return", headers=dept, json={"reason": "不属于"})
    assert r.status_code == 400 and r.json["error"]["field"] == "basis"
    r = client.post(f"/api/v1/partner/jobs/{number}/reply", headers=dept,
                    json={"result": "x", "attachments": [{"filename": "a", "content_base64": "%%%"}]})
    assert r.status_code == 400 and r.json["error"]["field"] == "attachments"
    r = client.post(f"/api/v1/partner/jobs/{number}/extension", headers=dept,
                    json={"deadline": "next week", "reason": "x"})
    assert r.status_code == 400 and r.json["error"]["field"] == "deadline"
    assert client.get("/api/v1/partner/jobs", headers=agent).status_code == 403


def test_a_supervisor_retries_a_failed_delivery_and_switches_it_to_another_channel(
        client, container, world, webhook_target):
    set_channels(container, "department", world.departments["MZ"], [
        {"kind": "webhook", "url": webhook_target.url, "secret": SECRET},
        {"kind": "email", "address": "mz@example.cn"}])
    webhook_target.script = [("status", 404)]
    number = open_ticket(container, world)
    agent, sup = bearer(container, "agent_a1"), bearer(container, "sup_a")
    client.post(f"/api/v1/tickets/{number}/dispatch", headers=agent,
                json={"target": {"kind": "department", "id": world.departments["MZ"]}})
    _wait_until(lambda: _state(container, "webhook") == "failed" and _state(container, "email") == "failed")
    items = client.get("/api/v1/deliveries?state=failed", headers=sup).json["items"]
    assert sorted(d["channel"] for d in items) == ["email", "webhook"]  # no SMTP in the test app
    failed = next(d for d in items if d["channel"] == "webhook")
    assert "HTTP 404" in failed["last_error"]
    assert "secret" not in str(failed)
    assert client.get("/api/v1/deliveries", headers=bearer(container, "sup_b")).json["items"] == []
    assert client.post(f"/api/v1/deliveries/{failed['id']}/retry", headers=agent).status_code == 404
    r = client.post(f"/api/v1/deliveries/{failed['id']}/retry", headers=sup)
    assert r.status_code == 200 and r.json["state"] == "pending"
    _wait_until(lambda: _state(container, "webhook") == "sent")
    assert len(webhook_target.received) == 2
    r = client.post(f"/api/v1/deliveries/{failed['id']}/switch", headers=sup, json={"channel": "email"})
    assert r.status_code == 400  # only a failed delivery switches


def _state(container, channel):
    with container.sessions() as s:
        return s.scalars(select(Delivery.state).where(Delivery.channel == channel)).first()


def _wait_until(predicate, timeout=10.0):
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_switching_a_failed_sms_to_email_creates_an_email_delivery(client, container, world):
    set_channels(container, "department", world.departments["MZ"], [
        {"kind": "sms", "numbers": ["+8613900139000"]}, {"kind": "email", "address": "mz@example.cn"}])
    number = open_ticket(container, world)
    agent, sup = bearer(container, "agent_a1"), bearer(container, "sup_a")
    client.post(f"/api/v1/tickets/{number}/dispatch", headers=agent,
                json={"target": {"kind": "department", "id": world.departments["MZ"]}})
    _wait_until(lambda: _state(container, "sms") == "failed" and _state(container, "email") == "failed")
    sms = next(d for d in client.get("/api/v1/deliveries", headers=sup).json["items"]
               if d["channel"] == "sms")
    assert "TWILIO" in sms["last_error"]  # the test app has no SMS settings
    r = client.post(f"/api/v1/deliveries/{sms['id']}/switch", headers=sup, json={"channel": "email"})
    assert r.status_code == 400 and "retry that one" in r.json["error"]["message"]
    r = client.post(f"/api/v1/deliveries/{sms['id']}/switch", headers=sup, json={"channel": "fax"})
    assert r.status_code == 400 and "no fax channel" in r.json["error"]["message"]


def test_admins_edit_templates_and_broken_ones_are_refused(client, container, world):
    admin, agent = bearer(container, "admin"), bearer(container, "agent_a1")
    r = client.put("/api/v1/notification-templates/resident.created/zh", headers=admin,
                   json={"body": "您的工单号是{ticket_number}。"})
    assert r.status_code == 200
    r = client.put("/api/v1/notification-templates/resident.created/zh", headers=admin,
                   json={"body": "您好{name}"})
    assert r.status_code == 400 and "{name}" in r.json["error"]["message"]
    r = client.put("/api/v1/notification-templates/resident.created/zh", headers=admin,
                   json={"body": "坏的{"})
    assert r.status_code == 400
    r = client.put("/api/v1/notification-templates/resident.created/zh", headers=agent,
                   json={"body": "x{ticket_number}"})
    assert r.status_code == 403
    assert client.get("/api/v1/notification-templates", headers=agent).status_code == 403
    items = client.get("/api/v1/notification-templates", headers=admin).json["items"]
    mine = next(i for i in items if i["key"] == "resident.created" and i["language"] == "zh")
    assert mine == {"key": "resident.created", "language": "zh", "custom": True,
                    "body": "您的工单号是{ticket_number}。"}
