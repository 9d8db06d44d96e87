"""NUL characters in text input are a 400 everywhere, never a database error."""
from __future__ import annotations

import pytest

from callcenter.models import User
from callcenter.services.accounts import issue_token


@pytest.fixture
def bearer(container, world):
    with container.sessions.begin() as s:
        return {"Authorization": f"Bearer {issue_token(s, s.get(User, world.users['agent_a1']))}"}


def test_a_json_string_with_nul_is_refused_before_the_database(client, world, bearer):
    r = client.post("/api/v1/tickets", headers=bearer, json={
        "channel": "phone", "type": "help", "description": "a\u0000b",
        "region_id": world.regions["gridA1"]})
    assert r.status_code == 400 and "NUL" in r.json["error"]["message"]
    assert client.get("/api/v1/tickets", headers=bearer).json["total"] == 0


def test_a_query_parameter_with_nul_is_refused(client, bearer):
    assert client.get("/api/v1/tickets?status=%00", headers=bearer).status_code == 400


def test_an_open311_form_field_with_nul_gets_the_open311_error_format(client, world):
    r = client.post("/open311/v2/requests.json", data={"service_code": "\x00", "api_key": "x"})
    assert r.status_code == 400
    assert {"code", "description"} <= set(r.get_json()[0])


def test_binary_uploads_are_not_mistaken_for_text(client):
    """Files are checked by their content elsewhere; NUL bytes inside a file are normal."""
    import io
    r = client.post("/login", content_type="multipart/form-data", data={
        "username": "u", "photo": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00"), "p.png")})
    assert b"NUL" not in r.data
