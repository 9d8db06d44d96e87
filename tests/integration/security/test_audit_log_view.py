"""Admins read and export the audit log of their region; nobody else reads it."""
from __future__ import annotations

import csv
import io

from callcenter.models import AuditEntry, User
from callcenter.services import audit
from helpers import login


def _entries(container, world):
    with container.sessions.begin() as s:
        audit.record(s, world.actors["agent_a1"], "reveal_phone", "resident", 7, field="phone")
        audit.record(s, world.actors["agent_b"], "reveal_phone", "resident", 8, field="phone")
        audit.record(s, world.actors["sup_a"], "export", "resident", None, rows=3)
        audit.record(s, None, "import", "resident_import", 1)


def test_an_admin_lists_who_read_which_record(client, container, world):
    _entries(container, world)
    login(client, "admin")
    page = client.get("/admin/audit/search?action=reveal_phone").data.decode()
    assert "agent_a1" in page and "agent_b" in page and "#7" in page and "rows=3" not in page


def test_the_export_is_a_csv_excel_reads_and_is_itself_audited(client, container, world):
    _entries(container, world)
    login(client, "admin")
    response = client.get("/admin/audit/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][0].startswith("时间") and len(rows) == 1 + 4
    with container.sessions() as s:
        exported = s.query(AuditEntry).filter_by(action="export", record_type="audit_log").all()
    assert len(exported) == 1 and exported[0].user_id == world.users["admin"]


def test_a_district_admin_sees_only_its_district(client, container, world):
    from callcenter.models import Region
    from factories import _hash
    _entries(container, world)
    with container.sessions.begin() as s:
        s.add(User(username="admin_b", display_name="admin_b", password_hash=_hash(),
                   role="admin", region=s.get(Region, world.regions["B"])))
    login(client, "admin_b")
    page = client.get("/admin/audit/search").data.decode()
    assert "agent_b" in page and "agent_a1" not in page and "resident_import" not in page


def test_supervisors_and_agents_cannot_read_the_audit_log(client, world):
    for user in ("sup_a", "agent_a1"):
        login(client, user)
        assert client.get("/admin/audit/search").status_code == 403
        assert client.get("/admin/audit/export.csv").status_code == 403


def test_a_bad_filter_is_a_clear_400(client, world):
    login(client, "admin")
    assert client.get("/admin/audit/search?since=yesterday").status_code == 400
    assert client.get("/admin/audit/export.csv?page=0").status_code == 400


def test_free_text_cannot_inject_spreadsheet_formulas(client, container, world):
    with container.sessions.begin() as s:
        audit.record(s, world.actors["agent_a1"], "=cmd|' /C calc'!A0", "resident", 1,
                     **{"=HYPERLINK(x)": "1"})
    login(client, "admin")
    rows = list(csv.reader(io.StringIO(client.get("/admin/audit/export.csv").data.decode()[1:])))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'=HYPERLINK(x)=1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
