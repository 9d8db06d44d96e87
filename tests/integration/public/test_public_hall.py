"""The online service hall end to end through the Flask client: draft, SMS code from a
fake Twilio on a real socket, ticket, tracking, rating; refusals lose nothing."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from callcenter.models import Attachment, Ticket
from callcenter.models.public import HallDraft
from public_helpers import RESIDENT_PHONE, csrf, last_code

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(token: str, **over) -> dict:
    data = {"csrf_token": token, "service_code": "SD-REPAIR", "type": "help",
            "description": "厨房水管漏水，已经两天了", "region_code": "340202001001",
            "address": "北京路1号2单元", "phone": "138 0013 8000", "website": ""}
    data.update(over)
    return data


def _submit(client, **over):
    token = csrf(client, "/hall/submit")
    return client.post("/hall/submit", data=_form(token, **over), content_type="multipart/form-data")


def test_a_verified_submission_becomes_a_web_ticket_with_its_photo(client, public_world, twilio, session):
    token = csrf(client, "/hall/submit")
    resp = client.post("/hall/submit", content_type="multipart/form-data",
                       data=_form(token, files=[(io.BytesIO(PNG), "漏水.png")]))
    assert resp.status_code == 302 and "/hall/verify/" in resp.location
    assert twilio.messages[-1]["to"] == RESIDENT_PHONE
    resp = client.post(resp.location, data={"csrf_token": token, "code": last_code(twilio)})
    assert resp.status_code == 302 and resp.location.endswith("/hall/done")
    page = client.get("/hall/done").get_data(as_text=True)
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.number in page
    assert (ticket.channel, ticket.caller_phone, ticket.created_by_id) == ("web", RESIDENT_PHONE, None)
    assert ticket.category_id == public_world.categories["SRV-SD"]
    assert "厨房水管漏水" in ticket.description
    assert [a.mime_type for a in session.scalars(select(Attachment))] == ["image/png"]


def test_a_wrong_code_keeps_the_draft_and_the_right_one_still_works(client, public_world, twilio, session):
    resp = _submit(client)
    verify = resp.location
    token = csrf(client, verify)
    bad = client.post(verify, data={"csrf_token": token, "code": "000000" if last_code(twilio) != "000000" else "111111"})
    assert bad.status_code == 400 and "验证码不正确" in bad.get_data(as_text=True)
    assert "厨房水管漏水" in bad.get_data(as_text=True)
    ok = client.post(verify, data={"csrf_token": token, "code": last_code(twilio)})
    assert ok.status_code == 302
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_confirming_twice_opens_one_ticket(client, public_world, twilio, session):
    verify = _submit(client).location
    token = csrf(client, verify)
    code = last_code(twilio)
    client.post(verify, data={"csrf_token": token, "code": code})
    again = client.post(verify, data={"csrf_token": token, "code": code})
    assert again.status_code == 302
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_filled_honeypot_creates_nothing_and_sends_nothing(client, public_world, twilio, session):
    resp = _submit(client, website="http://spam.example")
    assert resp.status_code == 400
    assert twilio.messages == []
    assert session.scalar(select(func.count()).select_from(HallDraft)) == 0


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_and_the_text_is_kept(client, public_world, twilio):
    token = csrf(client, "/hall/submit")
    resp = client.post("/hall/submit", content_type="multipart/form-data", data=_form(
        token, files=[(io.BytesIO(b"MZ\x90\x00 not an image"), "photo.jpg")]))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "不是照片或PDF" in page
    assert "厨房水管漏水，已经两天了" in page and twilio.messages == []


def test_more_than_five_files_are_refused(client, public_world):
    token = csrf(client, "/hall/submit")
    files = [(io.BytesIO(PNG), f"p{i}.png") for i in range(6)]
    resp = client.post("/hall/submit", content_type="multipart/form-data", data=_form(token, files=files))
    assert resp.status_code == 400 and "最多上传5个文件" in resp.get_data(as_text=True)


def test_a_landline_cannot_receive_the_code(client, public_world, twilio):
    resp = _submit(client, phone="010-6512 3456")
    assert resp.status_code == 400 and "手机" in resp.get_data(as_text=True)
    assert twilio.messages == []


def test_a_second_code_within_a_minute_is_refused(client, public_world, twilio):
    verify = _submit(client).location
    token = csrf(client, verify)
    resp = client.post(verify, data={"csrf_token": token, "resend": "1"})
    assert resp.status_code == 429 and len(twilio.messages) == 1


def test_sms_gateway_failure_is_a_clear_error_and_no_draft_is_kept(client, public_world, twilio, session):
    twilio.forced.append((500, 20500, "Internal Server Error"))
    resp = _submit(client)
    assert resp.status_code == 400 and "短信发送失败" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(HallDraft)) == 0


def test_tracking_needs_the_code_then_shows_plain_words_and_allows_rating(
        client, public_world, twilio, session, container):
    verify = _submit(client).location
    token = csrf(client, verify)
    client.post(verify, data={"csrf_token": token, "code": last_code(twilio)})
    number = session.scalars(select(Ticket.number)).one()
    session.rollback()  # SQLite: release the lock before the app writes
    assert client.get(f"/hall/track/{number}").status_code == 302  # another browser would see nothing
    _resolve(container, public_world, number)
    client.post("/hall/track", data={"csrf_token": token, "number": number, "phone": "13800138000"})
    resp = client.post("/hall/track/code", data={"csrf_token": token, "code": last_code(twilio)})
    assert resp.status_code == 302
    page = client.get(f"/hall/track/{number}").get_data(as_text=True)
    assert "已办结" in page and "水管已修好" in page and "我们收到了您的诉求" in page
    rated = client.post(f"/hall/track/{number}/rate", data={"csrf_token": token, "score": "5"})
    assert rated.status_code == 302
    session.expire_all()
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.status, ticket.satisfaction) == ("revisited", 5)


def test_tracking_with_a_wrong_phone_sends_nothing_but_answers_the_same(client, public_world, twilio):
    token = csrf(client, "/hall/track")
    resp = client.post("/hall/track", data={"csrf_token": token, "number": "20990101-000001",
                                            "phone": "13900139000"})
    assert resp.status_code == 302 and resp.location.endswith("/hall/track/code")
    assert twilio.messages == []
    page = client.post("/hall/track/code", data={"csrf_token": token, "code": "123456"})
    assert page.status_code == 400


def test_large_text_mode_stays_on_across_pages(client, public_world):
    token = csrf(client, "/hall/")
    client.post("/hall/a11y", data={"csrf_token": token, "large": "1"})
    assert 'class="large"' in client.get("/community/").get_data(as_text=True)
    assert 'class="large"' in client.get("/hall/track").get_data(as_text=True)


def test_the_guide_and_its_form_download(client, public_world):
    page = client.get("/hall/services/SD-REPAIR").get_data(as_text=True)
    assert "家中水管、电路故障报修" in page and "报修申请表.pdf" in page
    link = re.search(r'href="(/hall/services/SD-REPAIR/forms/\d+)"', page).group(1)
    download = client.get(link)
    assert download.data == b"%PDF-1.4 form" and download.mimetype == "application/pdf"
    assert "水电报修" in client.get("/hall/").get_data(as_text=True)


def _resolve(container, w, number):
    from callcenter.services.tickets import apply_action
    with container.sessions.begin() as s:
        apply_action(s, w.actors["admin"], number, "resolve", {"result": "水管已修好"})
