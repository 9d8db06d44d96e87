"""Each channel against a real endpoint: what is sent, and what each kind of failure does."""
from __future__ import annotations

import base64
import json
from email.header import decode_header, make_header
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from callcenter.domain.delivery import SendError
from callcenter.models import Delivery
from callcenter.services import deliveries
from callcenter.services import dispatch as svc
from dispatch_helpers import SECRET, open_ticket, set_channels
from integrations.email import SmtpConfig, SmtpEmail
from integrations.sms import TwilioSms
from integrations.webhook import WebhookSender, verify


def _dispatch_to(container, world, messaging, channels, kind="department", code="MZ"):
    target_id = world.departments[code] if kind == "department" else world.providers[code]
    set_channels(container, kind, target_id, channels)
    number = open_ticket(container, world)
    with container.sessions.begin() as s:
        d = svc.dispatch_ticket(s, world.actors["agent_a1"], number, {"kind": kind, "id": target_id},
                                messaging)
        return number, [r.id for r in s.scalars(select(Delivery).where(
            Delivery.dispatch_id == d.id, Delivery.channel != "portal")).all()]


def _run(container, delivery_id, senders, messaging):
    try:
        return deliveries.perform(container.sessions, delivery_id, senders, messaging.policy)
    except SendError as exc:
        return f"retry: {exc.message}"


def _row(container, delivery_id) -> Delivery:
    with container.sessions() as s:
        return s.get(Delivery, delivery_id)


def test_webhook_posts_the_ticket_signed_with_the_targets_secret(container, world, messaging,
                                                                  webhook_target):
    number, [did] = _dispatch_to(container, world, messaging,
                                 [{"kind": "webhook", "url": webhook_target.url, "secret": SECRET}])
    assert _run(container, did, {"webhook": WebhookSender(timeout=2)}, messaging) == "sent"
    [req] = webhook_target.received
    assert verify(req.body, SECRET, req.headers["X-Signature"])
    assert req.headers["X-Signature"].startswith("sha256=")
    body = json.loads(req.body)
    assert body["ticket_number"] == number
    assert req.headers["X-Dispatch-Id"] == str(body["dispatch_id"])
    row = _row(container, did)
    assert (row.state, row.attempts, row.provider_ref) == ("sent", 1, "HTTP 200")


def test_webhook_answering_500_is_retried_with_the_same_bytes_until_it_succeeds(
        container, world, messaging, webhook_target):
    webhook_target.script = [("status", 500)]
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "webhook", "url": webhook_target.url, "secret": SECRET}])
    senders = {"webhook": WebhookSender(timeout=2)}
    first = _run(container, did, senders, messaging)
    assert first.startswith("retry:") and "HTTP 500" in first
    row = _row(container, did)
    assert (row.state, row.attempts) == ("pending", 1) and "500" in row.last_error
    assert _run(container, did, senders, messaging) == "sent"
    assert _run(container, did, senders, messaging) == "skipped"  # a duplicate job sends nothing
    a, b = webhook_target.received
    assert a.body == b.body and a.headers["X-Signature"] == b.headers["X-Signature"]
    assert webhook_target.processed == {a.headers["X-Dispatch-Id"]: 1}


def test_webhook_timing_out_counts_as_a_failed_attempt_and_is_retried(container, world, messaging,
                                                                       webhook_target):
    webhook_target.script = [("sleep", 1.5, 200)]
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "webhook", "url": webhook_target.url, "secret": SECRET}])
    senders = {"webhook": WebhookSender(timeout=0.5)}
    assert "within 0.5s" in _run(container, did, senders, messaging)
    assert _run(container, did, senders, messaging) == "sent"
    assert _row(container, did).attempts == 2


def test_a_slow_webhook_within_the_timeout_is_delivered_once(container, world, messaging,
                                                              webhook_target):
    webhook_target.script = [("sleep", 0.6, 200)]
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "webhook", "url": webhook_target.url, "secret": SECRET}])
    assert _run(container, did, {"webhook": WebhookSender(timeout=3)}, messaging) == "sent"
    assert len(webhook_target.received) == 1 and _row(container, did).attempts == 1


def test_webhook_answering_4xx_fails_at_once_for_a_supervisor(container, world, messaging,
                                                              webhook_target):
    webhook_target.script = [("status", 410)]
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "webhook", "url": webhook_target.url, "secret": SECRET}])
    assert _run(container, did, {"webhook": WebhookSender(timeout=2)}, messaging) == "failed"
    row = _row(container, did)
    assert (row.state, row.attempts) == ("failed", 1) and "HTTP 410" in row.last_error


def test_webhook_without_a_secret_is_refused_rather_than_sent_unsigned(container, world, messaging,
                                                                       webhook_target):
    _, [did] = _dispatch_to(container, world, messaging, [{"kind": "webhook", "url": webhook_target.url}])
    assert _run(container, did, {"webhook": WebhookSender(timeout=2)}, messaging) == "failed"
    assert webhook_target.received == [] and "secret" in _row(container, did).last_error


def test_a_failing_channel_stops_after_its_last_attempt(container, world, messaging, webhook_target):
    webhook_target.script = [("status", 503)] * 5
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "webhook", "url": webhook_target.url, "secret": SECRET}])
    senders = {"webhook": WebhookSender(timeout=2)}
    results = [_run(container, did, senders, messaging) for _ in range(4)]
    assert [r.split(":")[0] for r in results] == ["retry", "retry", "failed", "skipped"]
    assert _row(container, did).attempts == messaging.policy.max_attempts == 3


def _twilio(api) -> TwilioSms:
    return TwilioSms(api.account_sid, api.auth_token, "+8610655000000", api_base=api.base)


def test_sms_goes_through_the_twilio_messages_api_with_basic_auth(container, world, messaging,
                                                                  twilio_api):
    number, [did] = _dispatch_to(container, world, messaging,
                                 [{"kind": "sms", "numbers": ["+8613900139000"]}],
                                 kind="provider", code="P01")
    assert _run(container, did, {"sms": _twilio(twilio_api)}, messaging) == "sent"
    [req] = twilio_api.received
    assert req.path == f"/2010-04-01/Accounts/{twilio_api.account_sid}/Messages.json"
    form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
    assert form["To"] == "+8613900139000" and form["From"] == "+8610655000000"
    assert number in form["Body"] and f"/portal/m/jobs/{number}" in form["Body"]
    assert base64.b64decode(req.headers["Authorization"][6:]).decode().startswith("AC")
    assert _row(container, did).provider_ref == twilio_api.messages[0]["sid"]


def test_sms_to_an_invalid_number_fails_for_good_with_twilios_error_code(container, world, messaging,
                                                                        twilio_api):
    _, [did] = _dispatch_to(container, world, messaging, [{"kind": "sms", "numbers": ["+86123"]}],
                            kind="provider", code="P01")
    assert _run(container, did, {"sms": _twilio(twilio_api)}, messaging) == "failed"
    assert "code 21211" in _row(container, did).last_error


def test_sms_api_errors_5xx_and_429_are_retried(container, world, messaging, twilio_api):
    twilio_api.forced = [(500, 20500, "Internal Server Error"), (429, 20429, "Too Many Requests")]
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "sms", "numbers": ["+8613900139000"]}], kind="provider", code="P01")
    senders = {"sms": _twilio(twilio_api)}
    assert "HTTP 500" in _run(container, did, senders, messaging)
    assert "HTTP 429" in _run(container, did, senders, messaging)
    assert _run(container, did, senders, messaging) == "sent"
    assert len(twilio_api.received) == 3 and len(twilio_api.messages) == 1


def test_sms_with_wrong_credentials_fails_with_twilios_auth_error(container, world, messaging,
                                                                  twilio_api):
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "sms", "numbers": ["+8613900139000"]}], kind="provider", code="P01")
    wrong = TwilioSms(twilio_api.account_sid, "not-the-token", "+8610655000000", twilio_api.base)
    assert _run(container, did, {"sms": wrong}, messaging) == "failed"
    assert "HTTP 401" in _row(container, did).last_error and "20003" in _row(container, did).last_error


def test_sms_without_twilio_settings_fails_with_a_clear_error(container, world, messaging):
    _, [did] = _dispatch_to(container, world, messaging,
                            [{"kind": "sms", "numbers": ["+8613900139000"]}], kind="provider", code="P01")
    assert _run(container, did, {"sms": TwilioSms(None, None, None)}, messaging) == "failed"
    assert "TWILIO_ACCOUNT_SID" in _row(container, did).last_error


def test_email_goes_to_the_smtp_server_with_a_stable_message_id(container, world, messaging,
                                                                smtp_server):
    controller, handler = smtp_server
    number, [did] = _dispatch_to(container, world, messaging, [{"kind": "email", "to": "mz@example.cn"}])
    sender = SmtpEmail(SmtpConfig(host="127.0.0.1", port=controller.port, sender="hotline@example.cn"))
    assert _run(container, did, {"email": sender}, messaging) == "sent"
    [mail] = handler.messages
    subject = str(make_header(decode_header(mail["Subject"])))
    assert mail["To"] == "mz@example.cn" and subject == f"【派单】工单{number}：水电维修"
    assert mail["Message-ID"] == _row(container, did).provider_ref
    assert "幸福路1号3栋" in mail.get_payload(decode=True).decode("utf-8")


def test_email_to_an_unreachable_server_is_retried(container, world, messaging):
    from servers import free_port
    _, [did] = _dispatch_to(container, world, messaging, [{"kind": "email", "to": "mz@example.cn"}])
    sender = SmtpEmail(SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2))
    assert _run(container, did, {"email": sender}, messaging).startswith("retry: cannot reach")


@pytest.mark.parametrize("channel", ["fax"])
def test_a_channel_without_a_sender_fails_visibly_instead_of_waiting_forever(
        container, world, messaging, channel):
    _, [did] = _dispatch_to(container, world, messaging, [{"kind": channel, "number": "+861065123456"}])
    assert _run(container, did, {}, messaging) == "failed"
    assert f"no sender is configured for channel {channel}" in _row(container, did).last_error
