"""Open311 keys on the admin pages: issue (the key shown once, working at once), list and
revoke (refused at once), CSRF on both forms, admins only, each admin inside its region."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from callcenter.models import AuditEntry, Region, User
from callcenter.models.public import Open311Client
from callcenter.services.open311_keys import issue_key
from factories import PASSWORD, _hash
from public_helpers import csrf
from test_public_open311 import _post


@pytest.fixture
def admins(public_world, container):
    """District admins of A and B besides the world's root admin."""
    with container.sessions.begin() as s:
        for name, key in (("admin_a", "A"), ("admin_b", "B")):
            s.add(User(username=name, display_name=name, password_hash=_hash(), role="admin",
                       region=s.get(Region, public_world.regions[key])))
    return public_world


def login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": csrf(client, "/login")})
    assert r.status_code == 302
    return client


def _issue(client, name="随手拍App", rate="60/hour"):
    return client.post("/admin/open311/new", data={"name": name, "contact": "王工 13900001111",
                                                   "rate_limit": rate,
                                                   "csrf_token": csrf(client, "/admin/open311/new")})


def test_an_issued_key_is_shown_once_works_and_stops_working_when_revoked(
        client, admins, container):
    login(client, "admin_a")
    issued = _issue(client)
    page = issued.get_data(as_text=True)
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    key = re.search(r'<code id="open311-key">([^<]+)</code>', page).group(1)
    assert "离开本页后将无法再次查看" in page
    listing = client.get("/admin/open311").get_data(as_text=True)
    assert "随手拍App" in listing and key[:8] in listing and key not in listing
    assert _post(client, key).status_code == 201
    with container.sessions() as s:
        client_id = s.scalar(select(Open311Client.id))
    r = client.post(f"/admin/open311/{client_id}/revoke",
                    data={"csrf_token": csrf(client, "/admin/open311")})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/open311")
    assert "已吊销" in client.get("/admin/open311").get_data(as_text=True)
    assert _post(client, key).status_code == 403
    with container.sessions() as s:
        assert [(e.action, e.record_id) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if "open311" in e.action] == [("issue_open311_key", client_id),
                                              ("revoke_open311_key", client_id)]
        assert key not in str([e.detail for e in s.scalars(select(AuditEntry))])


def test_forms_without_csrf_token_issue_and_revoke_nothing(client, admins, container):
    login(client, "admin")
    assert client.post("/admin/open311/new", data={"name": "x", "rate_limit": "60/hour"}).status_code == 400
    with container.sessions.begin() as s:
        row, _ = issue_key(s, admins.actors["admin"], "旧应用")
        row_id = row.id
    assert client.post(f"/admin/open311/{row_id}/revoke").status_code == 400
    with container.sessions() as s:
        assert s.scalar(select(Open311Client.revoked_at).where(Open311Client.id == row_id)) is None
        assert s.query(Open311Client).count() == 1


@pytest.mark.parametrize("name, rate, reason", [
    ("", "60/hour", "应用名称"), ("应用", "lots", "rate limit"), ("名" * 101, "60/hour", "应用名称")])
def test_bad_input_is_refused_with_the_reason_and_issues_nothing(
        client, admins, container, name, rate, reason):
    login(client, "admin")
    r = _issue(client, name, rate)
    assert r.status_code == 400 and reason in r.get_data(as_text=True)
    assert 'id="open311-key"' not in r.get_data(as_text=True)
    with container.sessions() as s:
        assert s.query(Open311Client).count() == 0


def test_each_admin_sees_and_revokes_only_keys_issued_in_its_region(client, admins, container):
    with container.sessions.begin() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        from callcenter.services.accounts import actor_for
        a, _ = issue_key(s, actor_for(users["admin_a"]), "A区应用")
        b, _ = issue_key(s, actor_for(users["admin_b"]), "B区应用")
        cli, _ = issue_key(s, None, "命令行应用")
        ids = {"a": a.id, "b": b.id, "cli": cli.id}
    login(client, "admin_a")
    page = client.get("/admin/open311").get_data(as_text=True)
    assert "A区应用" in page and "B区应用" not in page and "命令行应用" not in page
    token = csrf(client, "/admin/open311")
    for other in ("b", "cli"):
        assert client.post(f"/admin/open311/{ids[other]}/revoke", data={"csrf_token": token}).status_code == 404
    with container.sessions() as s:
        assert s.scalars(select(Open311Client.revoked_at)).all() == [None, None, None]
    root = login(client.application.test_client(), "admin")
    page = root.get("/admin/open311").get_data(as_text=True)
    assert all(n in page for n in ("A区应用", "B区应用", "命令行应用"))


@pytest.mark.parametrize("who", ["sup_a", "agent_a1", "dept_mz", "merchant_p01"])
def test_only_admins_reach_the_key_pages(client, admins, who):
    login(client, who)
    assert client.get("/admin/open311").status_code == 403
    assert client.get("/admin/open311/new").status_code == 403
