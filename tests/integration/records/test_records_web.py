"""Records pages: role and scope on every page, CSRF on forms, masked by default, audited
reveals, the import preview, the public guide, and the admin screens."""
import io
import re

import pytest

from callcenter.models import AuditEntry, Department, Resident, RoutingRule
from records_helpers import add_resident, id_number

PASSWORD = "Passw0rd!"


def _token(client, path="/login") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).data.decode()).group(1)


def login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": _token(client)})
    assert r.status_code == 302
    return client


@pytest.fixture
def rid(container, world):
    with container.sessions.begin() as s:
        return add_resident(s, world, "张伟", phones=["+8613812345678"], id17="34020219491231002",
                            address="北京东路12号", tags=["独居老人"])


def test_the_resident_list_searches_by_pinyin_and_shows_masked_values(client, world, rid):
    page = login(client, "agent_a1").get("/residents/?q=zw").data.decode()
    assert "张伟" in page and "138****5678" in page and "+8613812345678" not in page
    assert "搜索" in page  # Chinese first


def test_a_resident_page_is_masked_and_a_reveal_is_audited(client, world, rid, container):
    login(client, "sup_a")
    page = client.get(f"/residents/{rid}").data.decode()
    assert id_number("34020219491231002") not in page and "独居老人" in page
    r = client.post(f"/residents/{rid}/reveal", data={
        "field": "id_number", "csrf_token": _token(client, f"/residents/{rid}")})
    assert r.status_code == 200 and id_number("34020219491231002") in r.data.decode()
    with container.sessions() as s:
        assert [(e.action, e.user_id) for e in s.query(AuditEntry)] == [
            ("reveal_id_number", world.users["sup_a"])]


def test_a_reveal_without_csrf_token_is_refused_and_not_audited(client, world, rid, container):
    login(client, "sup_a")
    assert client.post(f"/residents/{rid}/reveal", data={"field": "phone"}).status_code == 400
    with container.sessions() as s:
        assert s.query(AuditEntry).count() == 0


def test_an_agent_cannot_reveal_the_id_number(client, world, rid):
    login(client, "agent_a1")
    page = client.get(f"/residents/{rid}").data.decode()
    assert 'value="id_number"' not in page  # no button offered
    r = client.post(f"/residents/{rid}/reveal", data={
        "field": "id_number", "csrf_token": _token(client, f"/residents/{rid}")})
    assert r.status_code == 403


@pytest.mark.parametrize("who", ["merchant_p01", "dept_mz"])
def test_partners_get_403_on_resident_pages(client, world, rid, who):
    login(client, who)
    assert client.get("/residents/").status_code == 403
    assert client.get(f"/residents/{rid}").status_code == 403


def test_a_resident_outside_the_users_region_is_not_found(client, world, rid):
    assert login(client, "agent_b").get(f"/residents/{rid}").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, rid):
    r = client.get("/residents/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_supervisor_edits_a_resident_and_bad_input_is_explained(client, world, rid, container):
    login(client, "sup_a")
    token = _token(client, f"/residents/{rid}/edit")
    form = {"name": "张伟", "gender": "", "birth_date": "", "id_number": "", "grid_code": "",
            "phones": "12345", "address": "x", "language": "zh", "notes": "", "csrf_token": token}
    with container.sessions() as s:
        form["grid_code"] = s.get(Resident, rid).region.code
    bad = client.post(f"/residents/{rid}/edit", data=form)
    assert bad.status_code == 400 and "无法识别的电话号码" in bad.data.decode()
    form["phones"] = "010-6512 3456"
    assert client.post(f"/residents/{rid}/edit", data=form).status_code == 302
    with container.sessions() as s:
        assert [p.e164 for p in s.get(Resident, rid).phones] == ["+861065123456"]


def test_the_import_page_previews_then_imports(client, world, container):
    login(client, "sup_a")
    with container.sessions() as s:
        from callcenter.models import Region
        grid = s.get(Region, world.regions["gridA1"]).code
    csv = f"姓名,电话,网格编码\n李娜,13900139000,{grid}\n王强,12345,{grid}\n".encode("gb18030")
    r = client.post("/residents/import", data={"csrf_token": _token(client, "/residents/import"),
                                               "file": (io.BytesIO(csv), "居民.csv")},
                    content_type="multipart/form-data")
    page = r.data.decode()
    assert r.status_code == 200 and "预览" in page and "无法识别的电话号码" in page
    with container.sessions() as s:
        assert s.query(Resident).count() == 0
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    r = client.post("/residents/import/confirm", data={
        "csrf_token": _token(client, "/residents/import"), "token": token})
    assert r.status_code == 200
    with container.sessions() as s:
        assert [x.name for x in s.query(Resident)] == ["李娜"]


def test_the_service_guide_is_public(client, container):
    from callcenter.demo import seed
    from callcenter.demo.catalog import seed_catalog
    with container.sessions.begin() as s:
        regions, cats = seed._regions(s), seed._categories(s)
        seed_catalog(s, cats, seed._departments(s, regions, cats))
    index = client.get("/guide/").data.decode()
    assert "低保申请" in index and "居住证办理" in index
    hits = client.get("/guide/?q=dibao").data.decode()
    assert "低保申请" in hits
    guide = client.get("/guide/G-SOC-DB").data.decode()
    assert "所需材料" in guide and "户口簿" in guide
    assert client.get("/guide/NOPE").status_code == 404
    assert client.get("/catalog/").status_code == 302  # editing needs a log-in


def test_admins_create_a_department_with_channels(client, world, container):
    login(client, "admin")
    token = _token(client, "/admin/departments/new")
    r = client.post("/admin/departments/new", data={
        "code": "WJ", "name": "卫健委", "region_id": world.regions["A"],
        "region_ids": [world.regions["A"]], "category_ids": [world.categories["SRV"]],
        "contacts": "刘科长 0553-3110002 科长",
        "channels": "portal\nwebhook https://wj.example.cn/in 0123456789abcdef0123\nfax 0553-3110003",
        "active": "y", "csrf_token": token})
    assert r.status_code == 302, r.data.decode()
    with container.sessions() as s:
        dept = s.query(Department).filter_by(code="WJ").one()
        assert [c["kind"] for c in dept.channels] == ["portal", "webhook", "fax"]
    edit = client.get(f"/admin/departments/{dept.id}").data.decode()
    assert "0123456789abcdef0123" not in edit  # the webhook secret is not shown back


def test_admins_add_a_routing_rule_and_bad_rules_are_refused(client, world, container):
    login(client, "admin")
    token = _token(client, "/admin/rules/new")
    base = {"name": "水电", "category_id": world.categories["SRV-SD"], "region_id": 0,
            "ticket_type": "", "department_id": 0, "priority": 5, "active": "y", "csrf_token": token}
    bad = client.post("/admin/rules/new", data={**base, "target_kind": "department"})
    assert bad.status_code == 400
    assert client.post("/admin/rules/new", data={**base, "target_kind": "providers"}).status_code == 302
    with container.sessions() as s:
        assert [(r.name, r.target_kind) for r in s.query(RoutingRule)] == [("水电", "providers")]
    assert "水电" in client.get("/admin/rules").data.decode()


@pytest.mark.parametrize("who", ["sup_a", "agent_a1", "merchant_p01"])
def test_only_admins_open_the_admin_screens(client, world, who):
    login(client, who)
    for path in ("/admin/", "/admin/rules", "/admin/users", "/admin/audit"):
        assert client.get(path).status_code == 403


def test_admin_pages_render_in_chinese(client, world):
    login(client, "admin")
    assert "承办单位" in client.get("/admin/").data.decode()
    assert "用户名" in client.get("/admin/users").data.decode()
    assert "审计" in client.get("/admin/audit", follow_redirects=True).data.decode()
