"""Optional TOTP for admins and supervisors: enrol with a code, then log-in needs a fresh one."""
from __future__ import annotations

import re

import pyotp

from helpers import login, token


def _enrol(client) -> str:
    page = client.post("/account/totp/begin", data={"csrf_token": token(client, "/account/totp")})
    assert page.status_code == 200
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page.data.decode()).group(1)
    code = pyotp.TOTP(secret).now()
    done = client.post("/account/totp/confirm",
                       data={"code": code, "csrf_token": token(client, "/account/totp")})
    assert done.status_code == 302
    return secret


def _logout(client) -> None:
    client.post("/logout", data={"csrf_token": token(client, "/account/totp")})


def _fresh_code(secret: str, used: str) -> str:
    totp = pyotp.TOTP(secret)
    import time
    step = int(time.time() // 30)
    code = totp.at((step + 1) * 30)  # next step: accepted within the one-step skew window
    return code if code != used else totp.at((step - 1) * 30)


def test_an_enrolled_supervisor_needs_a_code_after_the_password(client, world):
    login(client, "sup_a")
    secret = _enrol(client)
    assert "已开启" in client.get("/account/totp").data.decode()
    _logout(client)
    response = login(client, "sup_a")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/totp")
    assert client.get("/").status_code == 302  # no session before the second factor
    wrong = client.post("/login/totp", data={"code": "000000",
                                             "csrf_token": token(client, "/login/totp")})
    assert wrong.status_code == 401
    code = _fresh_code(secret, used="")
    ok = client.post("/login/totp", data={"code": code, "csrf_token": token(client, "/login/totp")})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_a_code_works_only_once(client, world):
    login(client, "admin")
    secret = _enrol(client)
    _logout(client)
    code = _fresh_code(secret, used="")
    login(client, "admin")
    assert client.post("/login/totp", data={"code": code, "csrf_token": token(
        client, "/login/totp")}).status_code == 302
    _logout(client)
    login(client, "admin")
    replay = client.post("/login/totp", data={"code": code,
                                              "csrf_token": token(client, "/login/totp")})
    assert replay.status_code == 401


def test_users_without_totp_log_in_with_the_password_alone(client, world):
    response = login(client, "sup_b")
    assert response.status_code == 302 and "/login/totp" not in response.headers["Location"]
    assert client.get("/").status_code == 200


def test_agents_cannot_enrol(client, world):
    login(client, "agent_a1")
    assert client.get("/account/totp").status_code == 403


def test_turning_totp_off_needs_a_current_code(client, world):
    login(client, "sup_a")
    secret = _enrol(client)
    refused = client.post("/account/totp/disable",
                          data={"code": "123456", "csrf_token": token(client, "/account/totp")})
    assert refused.status_code == 400
    client.post("/account/totp/disable", data={"code": _fresh_code(secret, used=""),
                                               "csrf_token": token(client, "/account/totp")})
    _logout(client)
    assert "/login/totp" not in login(client, "sup_a").headers["Location"]
