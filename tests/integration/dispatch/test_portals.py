"""The merchant and department portals, driven through the web app as a partner would."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from callcenter.domain.calendar import SHANGHAI
from callcenter.models import Attachment, Delivery, Dispatch, ExtensionRequest, Ticket
from callcenter.services import dispatch as svc
from dispatch_helpers import open_ticket

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def later(days: int) -> str:
    return (datetime.now(SHANGHAI) + timedelta(days=days)).date().isoformat()


def login(client, username):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": "Passw0rd!", "csrf_token": token})
    assert r.status_code == 302


def token(client, path):
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).data.decode()).group(1)


def dispatched(container, world, messaging, kind, code, **kw) -> str:
    number = open_ticket(container, world, **kw)
    target_id = world.providers[code] if kind == "provider" else world.departments[code]
    with container.sessions.begin() as s:
        svc.dispatch_ticket(s, world.actors["agent_a1"], number, {"kind": kind, "id": target_id},
                            messaging)
    return number


def status(container, number):
    with container.sessions() as s:
        return s.scalars(select(Ticket.status).where(Ticket.number == number)).one()


def test_a_merchant_sees_new_jobs_with_a_masked_phone_and_the_service_address(
        client, container, world, messaging):
    number = dispatched(container, world, messaging, "provider", "P01")
    login(client, "merchant_p01")
    listing = client.get("/portal/m/?bucket=new").data.decode()
    assert number in listing and "幸福路1号3栋" in listing
    page = client.get(f"/portal/m/jobs/{number}").data.decode()
    assert "138****8000" in page and "13800138000" not in page
    assert 'name="viewport"' in page and "接单" in page and "拒单" in page


def test_a_merchant_accepts_and_marks_done_with_a_note_and_photos(client, container, world,
                                                                  messaging, settings):
    number = dispatched(container, world, messaging, "provider", "P01")
    login(client, "merchant_p01")
    csrf = token(client, f"/portal/m/jobs/{number}")
    r = client.post(f"/portal/m/jobs/{number}/accept", data={"csrf_token": csrf})
    assert r.status_code == 302 and status(container, number) == "accepted"
    r = client.post(f"/portal/m/jobs/{number}/reply", content_type="multipart/form-data",
                    data={"csrf_token": csrf, "result": "已更换灯泡",
                          "files": [(io.BytesIO(JPEG), "现场.jpg")]})
    assert r.status_code == 302 and status(container, number) == "resolved"
    with container.sessions() as s:
        [att] = s.scalars(select(Attachment)).all()
        assert (att.filename, att.mime_type) == ("现场.jpg", "image/jpeg")
        assert s.scalars(select(Dispatch.state)).one() == "resolved"
        purposes = s.scalars(select(Delivery.purpose).where(Delivery.purpose == "resident")).all()
        assert len(purposes) == 2  # accepted, resolved: the caller's SMS


def test_a_reply_with_a_file_that_is_not_a_photo_changes_nothing(client, container, world, messaging):
    number = dispatched(container, world, messaging, "provider", "P01")
    login(client, "merchant_p01")
    csrf = token(client, f"/portal/m/jobs/{number}")
    client.post(f"/portal/m/jobs/{number}/accept", data={"csrf_token": csrf})
    r = client.post(f"/portal/m/jobs/{number}/reply", content_type="multipart/form-data",
                    data={"csrf_token": csrf, "result": "好了",
                          "files": [(io.BytesIO(b"MZ\x90\x00evil"), "a.exe")]})
    assert r.status_code == 400 and "a.exe" in r.data.decode()
    assert status(container, number) == "accepted"


def test_a_merchant_declines_with_a_reason_and_the_job_returns_to_the_hotline(
        client, container, world, messaging):
    number = dispatched(container, world, messaging, "provider", "P01")
    login(client, "merchant_p01")
    csrf = token(client, f"/portal/m/jobs/{number}")
    r = client.post(f"/portal/m/jobs/{number}/return", data={"csrf_token": csrf, "reason": "人手不足"})
    assert r.status_code == 302 and status(container, number) == "returned"


def test_another_providers_job_is_not_found(client, container, world, messaging):
    number = dispatched(container, world, messaging, "provider", "P01")
    login(client, "merchant_p02")
    assert client.get(f"/portal/m/jobs/{number}").status_code == 404
    csrf = token(client, "/portal/m/")
    assert client.post(f"/portal/m/jobs/{number}/accept", data={"csrf_token": csrf}).status_code == 404
    assert number not in client.get("/portal/m/?bucket=all").data.decode()
    assert status(container, number) == "dispatched"


def test_a_department_user_cannot_use_the_merchant_portal(client, world):
    login(client, "dept_mz")
    assert client.get("/portal/m/").status_code == 403


def test_a_department_signs_for_asks_for_time_and_replies_with_attachments(
        client, container, world, messaging):
    number = dispatched(container, world, messaging, "department", "MZ")
    login(client, "dept_mz")
    csrf = token(client, f"/portal/d/tickets/{number}")
    assert client.post(f"/portal/d/tickets/{number}/accept", data={"csrf_token": csrf}).status_code == 302
    assert status(container, number) == "accepted"
    r = client.post(f"/portal/d/tickets/{number}/extension",
                    data={"csrf_token": csrf, "deadline": later(10), "reason": "需协调物业"})
    assert r.status_code == 302
    assert "延期申请审批中" in client.get(f"/portal/d/tickets/{number}").data.decode()
    r = client.post(f"/portal/d/tickets/{number}/reply", content_type="multipart/form-data",
                    data={"csrf_token": csrf, "result": "已督促物业维修",
                          "files": [(io.BytesIO(b"%PDF-1.4 test"), "回复函.pdf")]})
    assert r.status_code == 302 and status(container, number) == "resolved"


def test_a_department_return_needs_reason_and_basis(client, container, world, messaging):
    number = dispatched(container, world, messaging, "department", "MZ")
    login(client, "dept_mz")
    csrf = token(client, f"/portal/d/tickets/{number}")
    r = client.post(f"/portal/d/tickets/{number}/return", data={"csrf_token": csrf, "reason": "非本单位职责"})
    assert r.status_code == 400 and status(container, number) == "dispatched"
    r = client.post(f"/portal/d/tickets/{number}/return",
                    data={"csrf_token": csrf, "reason": "非本单位职责", "basis": "《三定方案》第三条"})
    assert r.status_code == 302 and status(container, number) == "returned"
    with container.sessions() as s:
        d = s.scalars(select(Dispatch)).one()
        assert (d.state, d.return_reason, d.return_basis) == ("returned", "非本单位职责", "《三定方案》第三条")


def test_an_extension_for_a_later_date_is_approved_by_the_supervisor_and_recorded(
        client, container, world, messaging):
    number = dispatched(container, world, messaging, "department", "MZ")
    login(client, "dept_mz")
    csrf = token(client, f"/portal/d/tickets/{number}")
    client.post(f"/portal/d/tickets/{number}/extension",
                data={"csrf_token": csrf, "deadline": later(20), "reason": "需协调物业"})
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "sup_a")
    page = client.get("/portal/supervise/extensions").data.decode()
    assert number in page and "需协调物业" in page
    with container.sessions() as s:
        req_id = s.scalars(select(ExtensionRequest.id)).one()
    csrf = token(client, "/portal/supervise/extensions")
    r = client.post(f"/portal/supervise/extensions/{req_id}",
                    data={"csrf_token": csrf, "decision": "approve", "note": "同意"})
    assert r.status_code == 302
    with container.sessions() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.complete_deadline.astimezone(SHANGHAI).date().isoformat() == later(20)
        assert [e.action for e in t.events][-1] == "extension_approved"
        assert s.scalars(select(ExtensionRequest.state)).one() == "approved"


def test_a_supervisor_of_another_district_cannot_decide_the_extension(client, container, world,
                                                                      messaging):
    number = dispatched(container, world, messaging, "department", "MZ")
    login(client, "dept_mz")
    csrf = token(client, f"/portal/d/tickets/{number}")
    client.post(f"/portal/d/tickets/{number}/extension",
                data={"csrf_token": csrf, "deadline": later(20), "reason": "需协调"})
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "sup_b")
    assert number not in client.get("/portal/supervise/extensions").data.decode()
    with container.sessions() as s:
        req_id = s.scalars(select(ExtensionRequest.id)).one()
    csrf = token(client, "/portal/supervise/extensions")
    r = client.post(f"/portal/supervise/extensions/{req_id}", data={"csrf_token": csrf, "decision": "approve"})
    assert r.status_code == 404
