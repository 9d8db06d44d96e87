"""Incoming faxes: the real recorded TIFF, generated G3/G4 multi-page files at both fax
resolutions, and broken files, through the same intake; nothing received is dropped."""
from __future__ import annotations

import io
import os
import shutil
import time

from PIL import Image
from sqlalchemy import select

from callcenter.models import Attachment, Department, Ticket
from callcenter.models.public import FaxMessage
from callcenter.services.attachments import attachment_path
from public_helpers import RESIDENT_PHONE
from fax_files import REAL_FAX, fax_event_headers, generated_tiff, truncated
from integrations import fax_in


def _ticket_and_fax(session):
    return session.scalars(select(Ticket)).one(), session.scalars(select(FaxMessage)).one()


def _kinds(session, ticket):
    return sorted(a.mime_type for a in session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)))


def test_the_recorded_fax_event_files_a_fax_ticket_with_pages_and_pdf(container, public_world, session):
    headers = fax_event_headers()
    spool = container.settings.fax_spool
    os.makedirs(spool, exist_ok=True)
    shutil.copy(REAL_FAX, os.path.join(spool, os.path.basename(headers["File"])))
    number = fax_in.on_fax_received(container, headers)
    ticket, fax = _ticket_and_fax(session)
    assert ticket.number == number and ticket.channel == "fax" and ticket.status == "open"
    assert (fax.pages_read, fax.pages_reported, fax.resolution, fax.error) == (2, 2, "204x196", "")
    assert fax.remote_station_id == "+86 21 5555 0100" and ticket.caller_phone == "+862155550100"
    assert _kinds(session, ticket) == ["application/pdf", "image/png", "image/png", "image/tiff"]
    png = next(a for a in ticket.attachments if a.mime_type == "image/png")
    with Image.open(attachment_path(container.settings.instance_path, png.sha256)) as page:
        assert page.size == (1728, round(2324 * 204 / 196))
    assert container.events.published[-1][0] == "ticket.changed"


def test_the_same_fax_event_twice_makes_one_ticket(container, public_world, session):
    headers = fax_event_headers()
    os.makedirs(container.settings.fax_spool, exist_ok=True)
    shutil.copy(REAL_FAX, os.path.join(container.settings.fax_spool, os.path.basename(headers["File"])))
    assert fax_in.on_fax_received(container, headers) is not None
    assert fax_in.on_fax_received(container, headers) is None
    assert len(session.scalars(select(Ticket)).all()) == 1


def test_standard_resolution_pages_are_stretched_to_square_pixels(container, public_world, session):
    for compression in ("group3", "group4"):
        shown = fax_in.render(generated_tiff(compression, pages=3, dpi=(204, 98)))
        assert (len(shown.pages_png), shown.resolution, shown.error) == (3, "204x98", "")
        first = Image.open(io.BytesIO(shown.pages_png[0]))
        assert first.size == (1728, round(1100 * 204 / 98))
        assert shown.pdf.startswith(b"%PDF")


def test_a_truncated_fax_keeps_the_pages_read_and_says_what_broke(container, public_world, session):
    data = truncated(generated_tiff("group4", pages=3, dpi=(204, 196)))
    fax_in.receive_file(container, data, source="inbox", source_key="inbox:t1", raw_name="t.tif",
                        caller_id="02155550100", pages_reported=3)
    ticket, fax = _ticket_and_fax(session)
    assert 1 <= fax.pages_read < 3 and "对方报告3页" in fax.error
    assert "无法读取" in fax.error or "损坏" in fax.error
    assert "无法完整读取" in ticket.description
    assert "image/tiff" in _kinds(session, ticket)


def test_a_file_that_is_not_a_tiff_still_opens_a_ticket_with_the_raw_file(container, public_world, session):
    fax_in.receive_file(container, b"%PDF-1.4 not a fax", source="inbox", source_key="inbox:x",
                        raw_name="weird.pdf")
    ticket, fax = _ticket_and_fax(session)
    assert fax.pages_read == 0 and fax.error == "不是TIFF传真文件"
    assert _kinds(session, ticket) == ["application/octet-stream"]
    raw = attachment_path(container.settings.instance_path, fax.raw_sha256).read_bytes()
    assert raw == b"%PDF-1.4 not a fax"


def test_a_fax_whose_file_is_missing_is_still_recorded(container, public_world, session):
    fax_in.on_fax_received(container, {"File": "/var/spool/asterisk/fax/gone.tif", "Pages": "1",
                                       "CallerID": "02155550100", "Linkedid": "1.1"})
    ticket, fax = _ticket_and_fax(session)
    assert "找不到传真文件" in fax.error and ticket.channel == "fax"


def test_a_known_residents_number_is_matched(container, public_world, session):
    fax_in.receive_file(container, generated_tiff("group3", pages=1), source="inbox",
                        source_key="inbox:r", raw_name="r.tif", caller_id="13800138000")
    ticket, fax = _ticket_and_fax(session)
    assert fax.resident_id == public_world.resident_id == ticket.resident_id
    assert ticket.caller_phone == RESIDENT_PHONE and ticket.region_id == public_world.regions["gridA1"]


def test_a_departments_fax_number_is_matched(container, public_world, session):
    with container.sessions.begin() as s:
        dept = s.get(Department, public_world.departments["MZ"])
        dept.channels = [{"kind": "portal"}, {"kind": "fax", "number": "+865533110001"}]
    fax_in.receive_file(container, generated_tiff("group3", pages=1), source="inbox",
                        source_key="inbox:d", raw_name="d.tif", caller_id="0553-3110001")
    ticket, fax = _ticket_and_fax(session)
    assert fax.department_id == public_world.departments["MZ"] and "MZ局" in ticket.description


def test_the_inbox_files_settled_faxes_with_their_sidecar_and_moves_them(container, public_world,
                                                                         session, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "fax001.tif").write_bytes(REAL_FAX.read_bytes())
    (inbox / "fax001.tif.json").write_text('{"caller_id": "021-5555-0100", "pages": 2}')
    (inbox / "garbage.bin").write_bytes(b"\x00\x01")
    old = time.time() - 60
    for p in inbox.iterdir():
        os.utime(p, (old, old))
    (inbox / "fax002.tif").write_bytes(b"II*\x00 still being written")
    numbers = fax_in.scan_inbox(container, inbox)
    assert len(numbers) == 2
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["fax001.tif", "fax001.tif.json", "garbage.bin"]
    assert (inbox / "fax002.tif").exists()
    faxes = session.scalars(select(FaxMessage).order_by(FaxMessage.id)).all()
    assert faxes[0].caller_e164 == "+862155550100" and faxes[0].pages_read == 2
    assert faxes[1].error == "不是TIFF传真文件"


def test_a_call_ended_event_with_a_fax_is_picked_up(container, public_world, session):
    os.makedirs(container.settings.fax_spool, exist_ok=True)
    shutil.copy(REAL_FAX, os.path.join(container.settings.fax_spool, "9.tif"))
    fax_in.on_event(container, "call.ended", {"linkedid": "9.9", "caller_number": "02155550100",
                                              "fax": {"file": "/var/spool/asterisk/fax/9.tif",
                                                      "pages": 2, "remote_station_id": "X"}})
    fax_in.on_event(container, "call.ended", {"linkedid": "9.10", "fax": None})
    assert len(session.scalars(select(FaxMessage)).all()) == 1


def test_serve_files_a_fax_the_bridge_reports_off_the_bridges_thread(container, public_world, session):
    """`callcenter serve` wires the event bus to the intake: publishing returns at once."""
    from callcenter.serving import start_fax_intake
    os.makedirs(container.settings.fax_spool, exist_ok=True)
    shutil.copy(REAL_FAX, os.path.join(container.settings.fax_spool, "7.tif"))
    stop = start_fax_intake(container)
    try:
        container.events.publish("call.ended", {
            "linkedid": "7.7", "caller_number": "02155550100",
            "fax": {"file": "/var/spool/asterisk/fax/7.tif", "pages": 2, "remote_station_id": "X"}})
        container.events.publish("call.ended", {"linkedid": "7.8", "fax": None})
    finally:
        stop()  # waits for the intake thread to finish what it was given
    assert [t.channel for t in session.scalars(select(Ticket)).all()] == ["fax"]
