"""Outgoing fax as a dispatch channel: the delivery engine sends through FaxSender, which
renders the sheet to a fax TIFF and originates over AMI to a PBX on a real socket."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from callcenter.domain.delivery import RetryPolicy, SendError
from callcenter.models import Delivery, Department
from callcenter.services.deliveries import Outgoing, perform
from callcenter.services.dispatch import dispatch_ticket
from callcenter.services.notifications import Messaging
from callcenter.services.ticket_input import TicketInput
from callcenter.services.tickets import open_ticket
from fake_fax_pbx import FakeFaxPBX
from integrations.fax_out import FaxSender


POLICY = RetryPolicy(intervals=(1, 1), lease_seconds=30)


def _row(container, delivery_id: int) -> Delivery:
    with container.sessions() as s:  # short read: SQLite must not stay locked by the test
        row = s.get(Delivery, delivery_id)
        s.expunge(row)
        return row


@pytest.fixture
def pbx():
    server = FakeFaxPBX().start()
    yield server
    server.stop()


@pytest.fixture
def fax_delivery(container, public_world):
    """A ticket dispatched to a department whose channels include a fax number."""
    w = public_world
    with container.sessions.begin() as s:
        s.get(Department, w.departments["MZ"]).channels = [
            {"kind": "portal"}, {"kind": "fax", "number": "+865533110001"}]
        ticket = open_ticket(s, w.actors["agent_a1"], TicketInput(
            channel="phone", type="help", region_id=w.regions["A1"], category_id=w.categories["SRV-SD"],
            description="独居老人家中停电，请尽快上门检修。", address="北京路1号"))
        dispatch_ticket(s, w.actors["agent_a1"], ticket.number,
                        {"kind": "department", "id": w.departments["MZ"]}, Messaging(policy=POLICY))
        return s.scalars(select(Delivery.id).where(Delivery.channel == "fax")).one()


def _sender(container, pbx) -> FaxSender:
    settings = container.settings.with_(ami_url=pbx.url)
    return FaxSender.from_settings(settings, container.sessions, env={"FAX_DIAL": "Local/{number}@fax-dial"})


def test_a_fax_delivery_is_sent_as_a_g3_tiff_and_marked_sent(container, fax_delivery, pbx):
    state = perform(container.sessions, fax_delivery, {"fax": _sender(container, pbx)}, POLICY)
    assert state == "sent"
    row = _row(container, fax_delivery)
    assert (row.state, row.provider_ref) == ("sent", "FAXSTATUS=SUCCESS pages=1")
    action = pbx.originates[0]
    assert action["Channel"] == "Local/05533110001@fax-dial" and action["Context"] == "fax-out"
    assert pbx.faxes == [{"pages": 1, "size": (1728, 2292), "dpi": (204.0, 196.0), "compression": "group3"}]


def test_a_busy_line_leaves_the_delivery_pending_with_the_reason(container, fax_delivery, pbx):
    pbx.outcome = "busy"
    with pytest.raises(SendError):
        perform(container.sessions, fax_delivery, {"fax": _sender(container, pbx)}, POLICY)
    row = _row(container, fax_delivery)
    assert (row.state, row.attempts) == ("pending", 1) and "对方忙" in row.last_error


def test_a_failed_transmission_reports_faxstatus_and_error_then_fails_after_retries(
        container, fax_delivery, pbx):
    pbx.outcome = "failed"
    sender = _sender(container, pbx)
    for _ in range(2):
        with pytest.raises(SendError):
            perform(container.sessions, fax_delivery, {"fax": sender}, POLICY)
    assert perform(container.sessions, fax_delivery, {"fax": sender}, POLICY) == "failed"
    row = _row(container, fax_delivery)
    assert row.state == "failed" and row.attempts == 3
    assert "FAXSTATUS=FAILED" in row.last_error and "T30_ERR_RX_DCNDATA" in row.last_error


def test_an_unreachable_pbx_is_a_retryable_error(container, fax_delivery, pbx):
    settings = container.settings.with_(ami_url="ami://callcenter:s3cret@127.0.0.1:1")
    with pytest.raises(SendError):
        perform(container.sessions, fax_delivery,
                {"fax": FaxSender.from_settings(settings, container.sessions)}, POLICY)
    assert _row(container, fax_delivery).state == "pending"


def test_the_sheet_carries_the_ticket_the_target_and_the_agent(container, fax_delivery, pbx):
    sender = _sender(container, pbx)
    row = _row(container, fax_delivery)
    sheet = sender.sheet_for(Outgoing(row.id, "fax", row.recipient, "", row.body,
                                      row.idempotency_key, row.dispatch_id, 1))
    assert sheet.target == "MZ局" and sheet.agent == "agent_a1" and sheet.category == "水电维修"
    assert "独居老人" in sheet.description and sheet.deadline
