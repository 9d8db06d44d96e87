"""Agents' fax work list (scope, pages, conversion with a timeline entry) and the
community portal (announcements with dates, office details, admins only write)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from callcenter.models import Ticket, TicketEvent
from callcenter.models.base import utcnow
from callcenter.services import announcements
from public_helpers import csrf
from factories import PASSWORD
from fax_files import generated_tiff
from integrations import fax_in


def _login(client, username):
    token = csrf(client, "/login")
    resp = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert resp.status_code == 302


def test_an_agent_reads_the_fax_pages_and_turns_it_into_a_proper_ticket(client, container, public_world):
    number = fax_in.receive_file(container, generated_tiff("group3", pages=2), source="inbox",
                                 source_key="inbox:p", raw_name="p.tif", caller_id="13800138000")
    _login(client, "admin")
    listing = client.get("/fax/").get_data(as_text=True)
    assert number in listing and "王建国" in listing
    with container.sessions() as s:
        fax_id = s.scalars(select(Ticket.id).where(Ticket.number == number)).one()
    detail = client.get(f"/fax/{fax_id}")
    page = detail.get_data(as_text=True)
    images = [part.split('"')[0] for part in page.split('<img src="')[1:]]
    assert len(images) == 2 and client.get(images[0]).mimetype == "image/png"
    token = csrf(client, f"/fax/{fax_id}")
    resp = client.post(f"/fax/{fax_id}", data={
        "csrf_token": token, "type": "complaint", "category_id": public_world.categories["SRV-SD"],
        "priority": "normal", "resident_id": public_world.resident_id, "address": "北京路1号",
        "description": "传真投诉：楼道灯坏了一个月"})
    assert resp.status_code == 302
    with container.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        event = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                          .order_by(TicketEvent.id.desc())).first()
        assert (ticket.type, ticket.category_id, ticket.status) == ("complaint", public_world.categories["SRV-SD"], "open")
        assert event.action == "fax_convert" and event.data["type"] == "complaint"
    assert number not in client.get("/fax/").get_data(as_text=True).split("已处理传真")[0]


def test_an_agent_of_another_area_cannot_open_the_fax(client, container, public_world):
    fax_in.receive_file(container, generated_tiff("group3", pages=1), source="inbox",
                        source_key="inbox:q", raw_name="q.tif", caller_id="13800138000")
    _login(client, "agent_b")
    assert client.get("/fax/1").status_code == 404
    assert "王建国" not in client.get("/fax/").get_data(as_text=True)


def test_the_portal_shows_live_announcements_with_dates_and_the_office(client, container, public_world):
    w = public_world
    with container.sessions.begin() as s:
        from callcenter.models import Region
        street = s.get(Region, w.regions["A1"])
        admin = w.actors["admin"]
        announcements.publish(s, admin, street, announcements.AnnouncementInput("停水通知", "周六停水"))
        announcements.publish(s, admin, street, announcements.AnnouncementInput(
            "过期通知", "旧的", utcnow() - timedelta(days=10), utcnow() - timedelta(days=1)))
        announcements.save_office(s, admin, street, address="北京路街道办事处一楼",
                                  hours="周一至周五 8:30-17:30", phone="0553-1234567")
    page = client.get("/community/340202001").get_data(as_text=True)
    assert "停水通知" in page and "过期通知" not in page and utcnow().strftime("%Y") in page
    assert "周一至周五 8:30-17:30" in page and "水电报修" in page and "报修申请表.pdf" in page
    community = client.get("/community/340202001001").get_data(as_text=True)
    assert "停水通知" in community  # the street's notices show on its communities' pages
    assert client.get("/community/340200").status_code == 404


def test_only_admins_and_supervisors_of_the_area_publish(client, container, public_world):
    _login(client, "agent_a1")
    assert client.get("/community/340202001/manage").status_code == 403
    client.post("/logout")
    _login(client, "sup_b")
    token = csrf(client, "/community/340202001/manage")
    resp = client.post("/community/340202001/manage", data={
        "csrf_token": token, "what": "publish", "title": "越权", "body": "不应发布"})
    assert resp.status_code == 400 and "管辖范围" in resp.get_data(as_text=True)
