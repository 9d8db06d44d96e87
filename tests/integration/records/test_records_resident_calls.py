"""A resident's page lists the calls from its phones (any notation the PBX gives), newest
first in Shanghai time, masked, with a recording link only where the console plays one."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from callcenter import migrate
from callcenter.services.calls import save_call_records
from callcenter.services.resident_calls import call_statement
from records_helpers import add_resident
from test_records_web import login

UTC = timezone.utc


def _call(lid, when, number, **extra):
    return {"linkedid": lid, "caller_number": number, "started_at": when,
            "ended_at": when, **extra}


@pytest.fixture
def rid(container, world):
    with container.sessions.begin() as s:
        rid = add_resident(s, world, "李秀英", phones=["+8613812345678", "+865533812345"],
                           address="北京东路1号")
        save_call_records(s, [
            _call("C-OLD", datetime(2025, 3, 2, 16, 30, tzinfo=UTC), "13812345678",
                  queue="hotline", disposition="answered", answered_by="8001",
                  wait_seconds=12, talk_seconds=95),
            _call("C-MID", datetime(2025, 3, 3, 1, 0, tzinfo=UTC), "0553-3812345",
                  queue="haidian", disposition="abandoned", wait_seconds=40, talk_seconds=0),
            _call("C-NEW", datetime(2025, 3, 4, 2, 0, tzinfo=UTC), "8613812345678",
                  queue="care", disposition="answered", answered_by="8002",
                  wait_seconds=3, talk_seconds=61),
            _call("C-OTHER", datetime(2025, 3, 5, 2, 0, tzinfo=UTC), "13900001111",
                  queue="hotline", disposition="answered", answered_by="8001"),
            _call("C-EXT", datetime(2025, 3, 5, 3, 0, tzinfo=UTC), "8001",
                  queue="hotline", disposition="answered", answered_by="8002"),
        ])
    return rid


def _record(container, day: str, lid: str) -> None:
    folder = Path(container.settings.recordings_path) / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lid}.wav").write_bytes(b"RIFF....WAVE")


def _calls_table(page: str) -> str:
    return page.split('id="calls"', 1)[1].split("</table>", 1)[0]


def test_calls_from_any_notation_of_the_residents_phones_are_listed_newest_first(
        client, world, rid):
    table = _calls_table(login(client, "sup_a").get(f"/residents/{rid}").data.decode())
    assert table.count("<tr><td>") == 3 and "C-OTHER" not in table
    # Asia/Shanghai: 16:30 UTC on 2 March is 00:30 on 3 March
    times = ["2025-03-04 10:00:00", "2025-03-03 09:00:00", "2025-03-03 00:30:00"]
    assert [table.index(t) for t in times] == sorted(table.index(t) for t in times)
    assert "<td>care</td><td>已接听</td><td>3</td><td>61</td>" in table
    assert "<td>haidian</td><td>放弃</td><td>40</td><td>0</td>" in table


def test_the_call_list_shows_masked_numbers_only(client, world, rid):
    page = login(client, "agent_a1").get(f"/residents/{rid}").data.decode()
    table = _calls_table(page)
    assert "138****5678" in table and "055****2345" in table
    assert "13812345678" not in page and "+8613812345678" not in page and "3812345" not in page


def test_a_resident_outside_the_region_shows_no_calls(client, world, rid):
    r = login(client, "agent_b").get(f"/residents/{rid}")
    assert r.status_code == 404 and "C-NEW" not in r.data.decode() and "055" not in r.data.decode()


def test_recording_links_appear_only_where_the_console_serves_the_file(
        client, world, rid, container):
    _record(container, "2025/03/03", "C-OLD")     # hotline: sup_a's queue
    _record(container, "2025/03/03", "C-MID")     # haidian: not in district A
    table = _calls_table(login(client, "sup_a").get(f"/residents/{rid}").data.decode())
    assert "/console/recordings/C-OLD" in table
    assert "/console/recordings/C-MID" not in table
    assert "/console/recordings/C-NEW" not in table   # in scope, but no file
    with client.get("/console/recordings/C-OLD") as served:
        assert served.status_code == 200
    assert client.get("/console/recordings/C-MID").status_code == 404


def test_an_agent_gets_the_link_for_a_call_it_answered_only(app, world, rid, container):
    _record(container, "2025/03/03", "C-OLD")     # answered by 8001
    _record(container, "2025/03/04", "C-NEW")     # answered by 8002, queue outside street A1
    client = login(app.test_client(), "agent_a1")
    table = _calls_table(client.get(f"/residents/{rid}").data.decode())
    assert "/console/recordings/C-OLD" in table and "/console/recordings/C-NEW" not in table


def test_the_call_history_query_uses_the_caller_index(container):
    stmt = call_statement(["+8613812345678", "+8613900001111"])
    with container.engine.connect() as conn:
        sql = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
        else:
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_call_records_caller_e164_started_at" in plan, plan


def test_the_migration_fills_the_e164_form_of_calls_stored_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    migrate.upgrade(url, "0010_security")
    engine = create_engine(url)
    with engine.begin() as conn:
        for lid, number in (("A", "010-6512 3456"), ("B", "8001"), ("C", None), ("D", "01065123456")):
            conn.execute(text(
                "INSERT INTO call_records (linkedid, direction, caller_number, ivr_vars, agents_rung,"
                " disposition, transfers, started_at, resynced, adopted, created_at, updated_at)"
                " VALUES (:l, 'inbound', :n, '{}', '[]', 'answered', '[]', :t, 0, 0, :t, :t)"),
                {"l": lid, "n": number, "t": "2025-03-03 01:00:00.000000"})
    migrate.upgrade(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT linkedid, caller_e164 FROM call_records")).all())
    engine.dispose()
    assert rows == {"A": "+861065123456", "B": None, "C": None, "D": "+861065123456"}
