"""GET /console/api/pop/<linkedid> answers only for a call in the asking agent's own room:
another extension's ringing call is 404 (no existence leak), whatever the agent types."""
from __future__ import annotations

import re
from pathlib import Path

import pytest


def token(client, path: str = "/login") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).data.decode()).group(1)


def log_in(app, username: str, extension: str = ""):
    from factories import PASSWORD
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "extension": extension, "csrf_token": token(client)})
    assert r.status_code == 302, r.data[:300]
    return client


@pytest.fixture
def ringing(container, street_world, app):
    """L-1 rings 8001 (agent_a1's desk) in queue qa1, as the bridge publishes it."""
    container.events.publish("call.ringing", {
        "linkedid": "L-1", "extension": "8001", "caller_number": "13800138000", "queue": "qa1",
        "ivr_vars": {"CC_INTENT": "service", "CC_IVR_PATH": "1"}}, room="agent:8001")
    return "L-1"


def test_ringing_agent_gets_the_pop_with_caller_queue_and_ivr_choice(app, ringing):
    r = log_in(app, "agent_a1", "8001").get(f"/console/api/pop/{ringing}")
    assert r.status_code == 200
    pop = r.get_json()
    assert (pop["linkedid"], pop["caller_number"], pop["queue"]) == \
        ("L-1", "13800138000", {"name": "qa1", "label": "街道A1"})
    assert (pop["ivr"]["intent"], pop["ivr"]["label"]) == ("service", "办理服务")


def test_another_agent_cannot_fetch_the_pop_of_a_call_ringing_elsewhere(app, ringing):
    r = log_in(app, "agent_a2", "8002").get(f"/console/api/pop/{ringing}")
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "no_such_call"
    assert "13800138000" not in r.get_data(as_text=True)


def test_agent_typing_another_agents_extension_at_log_in_gets_no_pop(app, ringing):
    r = log_in(app, "agent_a2", "8001").get(f"/console/api/pop/{ringing}")   # 8001 is agent_a1's
    assert r.status_code in (403, 404)
    assert "13800138000" not in r.get_data(as_text=True)


def test_pop_of_an_ended_call_is_gone(app, container, ringing):
    container.events.publish("call.ended", {"linkedid": ringing, "queue": "qa1",
                                            "disposition": "abandoned"}, room="queue:qa1")
    assert log_in(app, "agent_a1", "8001").get(f"/console/api/pop/{ringing}").status_code == 404


def test_supervisor_and_anonymous_users_get_no_pop(app, ringing):
    assert app.test_client().get(f"/console/api/pop/{ringing}").status_code in (302, 401)
    assert log_in(app, "sup_a").get(f"/console/api/pop/{ringing}").status_code == 403



def test_agent_at_another_agents_extension_gets_no_call_control(app, ringing):
    client = log_in(app, "agent_a2", "8001")
    csrf = token(client, "/console/")           # the page loads; the socket refuses 8001
    r = client.post("/console/api/call/hangup", json={"linkedid": ringing},
                    headers={"X-CSRFToken": csrf})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "extension_taken")


def test_recording_of_a_call_is_not_played_to_an_agent_at_the_answering_agents_extension(
        app, container, street_world, tmp_path):
    from datetime import datetime, timezone
    from callcenter.models.calls import CallRecord
    started = datetime(2024, 5, 20, 2, 0, tzinfo=timezone.utc)
    with container.sessions.begin() as s:
        s.add(CallRecord(linkedid="R-1", started_at=started, disposition="answered",
                         answered_by="8001", queue="qb"))
    folder = Path(container.settings.recordings_path) / "2024/05/20"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "R-1.wav").write_bytes(b"RIFF....WAVE")
    with log_in(app, "agent_a1", "8001").get("/console/recordings/R-1") as own:
        assert (own.status_code, own.data) == (200, b"RIFF....WAVE")   # a1 answered it
    with log_in(app, "agent_a2", "8001").get("/console/recordings/R-1") as other:
        assert other.status_code == 404
