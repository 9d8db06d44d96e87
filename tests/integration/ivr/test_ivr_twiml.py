"""Twilio Voice webhooks: signed requests step through the menu as TwiML; others get 403."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from ivr import twiml
from ivr.demo import demo_directory
from ivr_asterisk_peer import OPEN_HOURS

TOKEN = "test-auth-token-not-a-secret"
PUBLIC = "https://hotline.example.org"


def make_app(hops=0, recorded_dir=None, workflow_sid=None, directory=None):
    app = Flask(__name__)
    app.register_blueprint(twiml.bp, url_prefix="/twilio/voice")
    twiml.init_app(app, directory or demo_directory(), TOKEN, clock=lambda: OPEN_HOURS,
                   recorded_dir=recorded_dir, trusted_proxy_hops=hops, workflow_sid=workflow_sid)
    return app


def sign(url, form):
    return RequestValidator(TOKEN).compute_signature(url, form)


def post(client, url, form, signature=None, **headers):
    """POST as Twilio does to `url` (absolute), signed for that URL unless told otherwise."""
    parts = urlsplit(url)
    sig = sign(url, form) if signature is None else signature
    path = parts.path + ("?" + parts.query if parts.query else "")
    return client.post(path, data=form, base_url=f"{parts.scheme}://{parts.netloc}",
                       headers={"X-Twilio-Signature": sig, **headers})


def twiml_of(resp):
    assert resp.status_code == 200, resp.data
    return ET.fromstring(resp.data)


CALL = {"CallSid": "CA123", "From": "+8613800138000", "To": "+862012345"}


def test_signed_incoming_call_gets_the_menu_as_a_dtmf_gather():
    client = make_app().test_client()
    root = twiml_of(post(client, "http://localhost/twilio/voice/hotline", CALL))
    say, gather, redirect = root
    assert (say.tag, say.get("language")) == ("Say", "zh-CN") and "社区服务热线" in say.text
    assert gather.get("input") == "dtmf" and gather.get("numDigits") == "1"
    assert gather[0].text.startswith("办理服务请按1")
    assert redirect.text == gather.get("action")


@pytest.mark.parametrize("signature", ["", "bm9wZQ==", None])
def test_missing_or_wrong_signature_is_refused(signature):
    client = make_app().test_client()
    url = "http://localhost/twilio/voice/hotline"
    if signature is None:  # a genuine signature, but for other form values
        signature = sign(url, {**CALL, "From": "+8613900000000"})
    assert post(client, url, CALL, signature=signature).status_code == 403


def test_stepping_with_digits_reaches_the_complaint_queue():
    client = make_app().test_client()
    action = twiml_of(post(client, "http://localhost/twilio/voice/hotline", CALL))[1].get("action")
    root = twiml_of(post(client, action, {**CALL, "Digits": "3"}))
    assert root[-1].tag == "Enqueue" and root[-1].text == "complaint"


def test_tampered_state_in_the_callback_url_is_refused():
    client = make_app().test_client()
    action = twiml_of(post(client, "http://localhost/twilio/voice/hotline", CALL))[1].get("action")
    forged = action.replace("s=", "s=x")
    good_signature = sign(action, {**CALL, "Digits": "3"})
    assert post(client, forged, {**CALL, "Digits": "3"}, signature=good_signature).status_code == 403


def test_unreadable_state_still_enqueues_the_caller_to_a_person():
    client = make_app().test_client()
    root = twiml_of(post(client, "http://localhost/twilio/voice/hotline/step?s=!!notbase64",
                         {**CALL, "Digits": "1"}))
    assert root[-1].tag == "Enqueue" and root[-1].text == "hotline"


def test_silence_redirects_until_a_person_is_reached():
    client = make_app().test_client()
    root = twiml_of(post(client, "http://localhost/twilio/voice/hotline", CALL))
    for _ in range(3):
        root = twiml_of(post(client, root[-1].text, CALL))  # follow <Redirect> with no Digits
    assert root[-1].tag == "Enqueue" and root[-1].text == "hotline"


def test_care_resident_is_enqueued_at_once_with_priority_in_the_task():
    client = make_app(workflow_sid="WW0123").test_client()
    root = twiml_of(post(client, "http://localhost/twilio/voice/hotline",
                         {**CALL, "From": "+8613602001234"}))
    (enqueue,) = root
    assert enqueue.get("workflowSid") == "WW0123"
    assert enqueue[0].get("priority") == "9" and '"CC_QUEUE":"care"' in \
        enqueue[0].text.replace(" ", "")


def test_behind_a_tls_proxy_genuine_requests_pass_when_the_hop_is_trusted():
    client = make_app(hops=1).test_client()
    url = f"{PUBLIC}/twilio/voice/hotline"
    resp = client.post("/twilio/voice/hotline", data=CALL, base_url="http://127.0.0.1:5000",
                       headers={"X-Twilio-Signature": sign(url, CALL),
                                "X-Forwarded-Proto": "https",
                                "X-Forwarded-Host": "hotline.example.org",
                                "X-Forwarded-For": "54.172.60.1"})
    root = twiml_of(resp)
    assert root[1].get("action").startswith(f"{PUBLIC}/twilio/voice/hotline/step?s=")


def test_behind_a_tls_proxy_without_trusting_it_every_request_is_refused():
    client = make_app(hops=0).test_client()
    url = f"{PUBLIC}/twilio/voice/hotline"
    resp = client.post("/twilio/voice/hotline", data=CALL, base_url="http://127.0.0.1:5000",
                       headers={"X-Twilio-Signature": sign(url, CALL),
                                "X-Forwarded-Proto": "https",
                                "X-Forwarded-Host": "hotline.example.org"})
    assert resp.status_code == 403


def test_forwarded_headers_are_ignored_when_no_proxy_is_trusted():
    client = make_app(hops=0).test_client()
    url = "http://localhost/twilio/voice/hotline"
    resp = post(client, url, CALL, **{"X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in resp.data.decode()


def test_recorded_prompt_is_played_instead_of_text_to_speech(tmp_path):
    wav = tmp_path / "zh" / "hotline" / "welcome.wav"
    wav.parent.mkdir(parents=True)
    wav.write_bytes(b"RIFF....WAVE")
    client = make_app(recorded_dir=tmp_path).test_client()
    root = twiml_of(post(client, "http://localhost/twilio/voice/hotline", CALL))
    assert root[0].tag == "Play"
    with client.get(urlsplit(root[0].text).path) as resp:
        assert resp.data == b"RIFF....WAVE"
    assert client.get("/twilio/voice/prompts/zh/hotline/nosuch.wav").status_code == 404


def test_survey_webhook_records_the_score():
    directory = demo_directory()
    client = make_app(directory=directory).test_client()
    root = twiml_of(post(client, "http://localhost/twilio/voice/survey?ticket=20261127001", CALL))
    root = twiml_of(post(client, root[0].get("action"), {**CALL, "Digits": "5"}))
    assert directory.surveys == [("20261127001", "CA123", 5)]
    assert root[-1].tag == "Hangup"


def test_missing_auth_token_refuses_everything():
    app = make_app()
    app.extensions["ivr_twiml"].auth_token = None
    assert post(app.test_client(), "http://localhost/twilio/voice/hotline", CALL).status_code == 403
