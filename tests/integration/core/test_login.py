"""Log-in, log-out, CSRF on the form, lock-out after repeated failures, Chinese first."""
from __future__ import annotations

import re


def csrf(client, path="/login") -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf-token" content="([^"]+)"',
                     client.get(path).data.decode()).group(1) or ""


def login(client, username, password, extension=""):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "extension": extension, "csrf_token": token})


def test_the_login_page_speaks_chinese_by_default(client):
    page = client.get("/login").data.decode()
    assert "登录" in page and 'lang="zh-CN"' in page


def test_english_can_be_chosen_and_sticks(client):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/lang/en", data={"csrf_token": token})
    assert "Log in" in client.get("/login").data.decode()


def test_pages_need_a_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_demo_agent_logs_in_and_sees_its_home(client, world):
    r = login(client, "agent_a1", "Passw0rd!", "8001")
    assert r.status_code == 302
    home = client.get("/").data.decode()
    assert "agent_a1" in home and "话务员" in home


def test_the_login_form_without_csrf_token_is_refused(client, world):
    r = client.post("/login", data={"username": "agent_a1", "password": "Passw0rd!"})
    assert r.status_code == 400


def test_wrong_password_is_401_with_a_plain_message(client, world):
    r = login(client, "agent_a1", "nope-nope")
    assert r.status_code == 401 and "用户名或密码错误" in r.data.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(5):
        login(client, "agent_a1", "wrong-password")
    r = login(client, "agent_a1", "Passw0rd!")
    assert r.status_code == 401 and "稍后再试" in r.data.decode()


def test_logout_ends_the_session(client, world):
    login(client, "agent_a1", "Passw0rd!")
    page = client.get("/").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_open_redirects_after_login_are_refused(client, world):
    page = client.get("/login?next=//evil.example/").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login?next=//evil.example/", data={
        "username": "agent_a1", "password": "Passw0rd!", "csrf_token": token})
    assert r.headers["Location"] == "/console/"  # the agent's own start page, not the other site


def test_each_role_starts_on_its_own_page(client, world):
    assert login(client, "sup_a", "Passw0rd!").headers["Location"] == "/wallboard/"
