"""Twilio after hours: <Record> whose signed webhooks file the same voicemail ticket as the
dialplan's, and a call-back request that reaches the agents' missed-call list; against the
migrated database, with requests signed by twilio's RequestValidator (and forged ones)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from callcenter.models import Ticket
from callcenter.models.calls import CallRecord
from callcenter.services import worklists
from ivr import twiml
from ivr.store_after_hours import StoreAfterHours
from ivr.store_directory import StoreDirectory
from test_ivr_store_directory import seed
from test_ivr_twiml import PUBLIC, TOKEN, post, sign, twiml_of

# A Saturday night in Shanghai: the hours node takes the after-hours branch.
CLOSED = datetime(2026, 11, 28, 22, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
JOHN = "+8613700000001"  # seed(): John Smith, language en
CALL = {"CallSid": "CAafter1", "From": JOHN, "To": "+862012345"}
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef"


def make_app(container, *, desk="store", workflow_sid=None):
    app = Flask(__name__)
    app.register_blueprint(twiml.bp, url_prefix="/twilio/voice")
    if desk == "store":
        desk = StoreAfterHours(container.sessions, container.settings.instance_path,
                               container.events)
    twiml.init_app(app, StoreDirectory(container.sessions), TOKEN, clock=lambda: CLOSED,
                   workflow_sid=workflow_sid, after_hours=desk)
    return app


def choose(client, digits: str, call=CALL):
    """Call in after hours and press `digits` at the after-hours menu; the TwiML answer."""
    menu = twiml_of(post(client, f"{PUBLIC}/twilio/voice/hotline", call))
    gather = menu.find("Gather")
    assert "留言" in gather[0].text or "message" in gather[0].text  # the after-hours menu
    return twiml_of(post(client, gather.get("action"), {**call, "Digits": digits}))


def record_urls(root) -> tuple[str, str]:
    record = root.find("Record")
    return record.get("action"), record.get("recordingStatusCallback")


def voicemail_tickets(container, sid=CALL["CallSid"]):
    with container.sessions() as s:
        return list(s.scalars(select(Ticket).where(Ticket.call_linkedid == sid)))


def finished(**extra):
    return {**CALL, "RecordingUrl": RECORDING, "RecordingSid": "RE0123456789abcdef",
            "RecordingDuration": "23", "Digits": "#", **extra}


def test_voicemail_is_recorded_then_filed_as_one_ticket_with_its_recording_url(container, world):
    ids = seed(container, world)
    client = make_app(container).test_client()
    root = choose(client, "1")
    say, record, hangup = root
    assert (say.get("language"), record.tag, hangup.tag) == ("en-US", "Record", "Hangup")
    assert "after the tone" in say.text
    assert (record.get("maxLength"), record.get("finishOnKey"), record.get("method")) == \
        ("180", "#", "POST")
    assert record.get("recordingStatusCallbackEvent") == "completed absent"
    action, status_callback = record_urls(root)
    assert action.startswith(f"{PUBLIC}/twilio/voice/hotline/message?s=")

    done = twiml_of(post(client, action, finished()))
    assert [e.tag for e in done] == ["Say", "Hangup"] and "recorded" in done[0].text
    (ticket,) = voicemail_tickets(container)
    assert (ticket.channel, ticket.type, ticket.status, ticket.created_by_id) == \
        ("phone", "help", "open", None)
    assert ticket.resident_id == int(ids["john"]) and ticket.caller_phone == JOHN
    assert RECORDING in ticket.description and "时长23秒" in ticket.description
    assert "信箱 Twilio" in ticket.description and "缺失" not in ticket.description

    # Twilio's recording status callback for the same message: no second ticket.
    status = {**CALL, "RecordingUrl": RECORDING, "RecordingStatus": "completed",
              "RecordingDuration": "23", "RecordingSid": "RE0123456789abcdef"}
    assert post(client, status_callback, status).status_code == 204
    assert len(voicemail_tickets(container)) == 1


def test_caller_who_hangs_up_is_filed_by_the_status_callback_alone(container, world):
    seed(container, world)
    client = make_app(container).test_client()
    action, status_callback = record_urls(choose(client, "1"))
    status = {**CALL, "RecordingUrl": RECORDING, "RecordingStatus": "completed",
              "RecordingDuration": "41"}
    assert post(client, status_callback, status).status_code == 204
    (ticket,) = voicemail_tickets(container)
    assert RECORDING in ticket.description and "时长41秒" in ticket.description
    twiml_of(post(client, action, finished()))  # the action arriving late changes nothing
    assert len(voicemail_tickets(container)) == 1


@pytest.mark.parametrize("webhook", ["action", "status"])
@pytest.mark.parametrize("signature", ["", "bm9wZQ==", "other-form"])
def test_unsigned_or_wrongly_signed_recording_webhooks_are_refused(container, world, webhook,
                                                                   signature):
    seed(container, world)
    client = make_app(container).test_client()
    action, status_callback = record_urls(choose(client, "1"))
    url = action if webhook == "action" else status_callback
    form = finished(RecordingStatus="completed")
    if signature == "other-form":  # genuine, but for another recording URL
        signature = sign(url, {**form, "RecordingUrl": RECORDING + "X"})
    assert post(client, url, form, signature=signature).status_code == 403
    assert voicemail_tickets(container) == []


def test_altered_state_in_the_record_action_is_refused(container, world):
    seed(container, world)
    client = make_app(container).test_client()
    action, _ = record_urls(choose(client, "1"))
    forged = action.replace("s=", "s=e30")  # a different (empty) state, same signature
    assert post(client, forged, finished(), signature=sign(action, finished())).status_code == 403


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "not a url"])
def test_message_without_a_usable_recording_url_still_makes_a_ticket_saying_so(
        container, world, url):
    seed(container, world)
    client = make_app(container).test_client()
    action, _ = record_urls(choose(client, "1"))
    twiml_of(post(client, action, finished(RecordingUrl=url)))
    (ticket,) = voicemail_tickets(container)
    assert "录音文件缺失：Twilio 未给出有效的录音地址" in ticket.description
    assert "javascript" not in ticket.description


def test_failed_recording_makes_a_ticket_asking_for_a_call_back(container, world):
    seed(container, world)
    client = make_app(container).test_client()
    _, status_callback = record_urls(choose(client, "1"))
    form = {**CALL, "RecordingStatus": "failed", "RecordingUrl": RECORDING}
    assert post(client, status_callback, form).status_code == 204
    (ticket,) = voicemail_tickets(container)
    assert "Twilio 录音失败" in ticket.description and "请回电" in ticket.description


def test_absent_recording_files_nothing_and_unknown_status_is_a_clear_400(container, world):
    seed(container, world)
    client = make_app(container).test_client()
    _, status_callback = record_urls(choose(client, "1"))
    assert post(client, status_callback, {**CALL, "RecordingStatus": "absent"}).status_code == 204
    resp = post(client, status_callback, {**CALL, "RecordingStatus": "exploded"})
    assert resp.status_code == 400 and b"expected completed, failed or absent" in resp.data
    assert voicemail_tickets(container) == []


def test_callback_request_reaches_every_agents_missed_call_list_once(container, world):
    ids = seed(container, world)
    client = make_app(container).test_client()
    root = choose(client, "2")
    assert [e.tag for e in root] == ["Say", "Hangup"] and "call you back" in root[0].text
    choose(client, "2")  # Twilio retried the webhook: still one entry
    with container.sessions() as s:
        (row,) = s.scalars(select(CallRecord).where(CallRecord.linkedid == CALL["CallSid"]))
        assert (row.disposition, row.caller_number, row.resident_id) == \
            ("callback", JOHN, ids["john"])
        for queues in (["hotline"], ["care"]):
            assert [c.linkedid for c in worklists.missed_calls(s, queues)] == [CALL["CallSid"]]
    assert voicemail_tickets(container) == []


def test_chinese_caller_hears_chinese_after_hours_prompts(container, world):
    client = make_app(container).test_client()
    root = choose(client, "2", {**CALL, "From": "+8613912345678", "CallSid": "CAzh"})
    assert root[0].get("language") == "zh-CN" and "回电" in root[0].text


@pytest.fixture
def outage_desk(container):
    """The store desk over a database that refuses connections (nothing listens on port 1)."""
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                           connect_args={"connect_timeout": 2})
    yield StoreAfterHours(sessionmaker(bind=engine), container.settings.instance_path)
    engine.dispose()


def _enqueued_task(root) -> str:
    enqueue = root[-1]
    assert enqueue.tag == "Enqueue" and enqueue.get("workflowSid") == "WW1"
    return enqueue[0].text.replace(" ", "")


def test_store_outage_on_a_callback_request_enqueues_the_caller_to_a_person(
        container, world, outage_desk):
    client = make_app(container, desk=outage_desk, workflow_sid="WW1").test_client()
    task = _enqueued_task(choose(client, "2"))
    assert '"CC_QUEUE":"hotline"' in task and '"CC_INTENT":"agent"' in task


def test_store_outage_on_a_message_enqueues_the_caller_and_the_status_callback_says_503(
        container, world, outage_desk):
    client = make_app(container, desk=outage_desk, workflow_sid="WW1").test_client()
    action, status_callback = record_urls(choose(client, "1"))
    task = _enqueued_task(twiml_of(post(client, action, finished())))
    assert '"CC_QUEUE":"hotline"' in task and '"CC_INTENT":"agent"' in task
    resp = post(client, status_callback, finished(RecordingStatus="completed"))
    assert resp.status_code == 503 and b"unavailable" in resp.data


def test_without_an_after_hours_desk_the_choice_is_enqueued(container, world):
    client = make_app(container, desk=None).test_client()
    root = choose(client, "1")
    assert root[-1].tag == "Enqueue" and root[-1].text == "hotline"


def test_the_web_app_wires_the_store_desk(container, world):
    """agent_ui registers the blueprint with StoreAfterHours: a message becomes a ticket."""
    from agent_ui import create_app
    from callcenter.bootstrap import build

    signed = build(container.settings.with_(twilio_auth_token=TOKEN))
    try:
        app = create_app(signed.settings, container=signed)
        app.config.update(TESTING=True)
        app.extensions["ivr_twiml"].clock = lambda: CLOSED
        client = app.test_client()
        action, _ = record_urls(choose(client, "1"))
        twiml_of(post(client, action, finished()))
    finally:
        signed.close()
    (ticket,) = voicemail_tickets(container)
    assert RECORDING in ticket.description
