"""The bridge's spill file goes back into the database: when PostgreSQL returns, when the
bridge starts, or by `callcenter ami-spill-replay`. Each call is stored once (by linkedid);
a line that is not a record is kept aside in `<spill>.rejected` and reported."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from callcenter import migrate
from callcenter.cli import main
from callcenter.ports import RecordingEvents
from callcenter.services.calls import make_call_stores
from callcenter.store import make_engine, make_session_factory
from fault_rig import BridgeCLI, SimThread, bridge_env, wait_for
from integrations.ami.bridge import AMIBridge
from integrations.ami.client import parse_ami_url
from integrations.ami.spill import replay_spill

T0 = int(time.time()) * 1_000_000


def _call(lid: str, disposition: str = "answered") -> dict:
    return {"linkedid": lid, "direction": "inbound", "caller_number": "13900000001",
            "queue": "hotline", "disposition": disposition, "started_at": T0,
            "ended_at": T0 + 60_000_000, "talk_seconds": 50}


def _line(kind: str, data: dict) -> str:
    return json.dumps({"kind": kind, "data": data}, ensure_ascii=False) + "\n"


def _calls(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(
            text("SELECT linkedid, disposition FROM call_records")))


def test_replay_stores_each_call_once_and_keeps_bad_lines_aside(container, tmp_path):
    store_calls, store_agents = make_call_stores(container.sessions)
    store_calls([_call("node1-1.1", "abandoned")])        # stored before the spill: kept once
    spill = tmp_path / "ami-spill.jsonl"
    spill.write_text(
        _line("calls", _call("node1-1.1")) + _line("calls", _call("node1-1.2"))
        + "{not json at all\n"
        + _line("agents", {"agent": "8001", "state": "idle", "reason": None,
                           "source": "resync", "queues": ["hotline"], "at": T0})
        + _line("calls", _call("node1-1.3"))
        + _line("calls", _call("node1-1.4"))[:40],          # cut short by a kill mid-write
        encoding="utf-8")
    done = replay_spill(str(spill), {"calls": store_calls, "agents": store_agents})
    assert done.stored == {"calls": 3, "agents": 1} and done.rejected == 2
    assert _calls(container.engine) == [("node1-1.1", "answered"), ("node1-1.2", "answered"),
                                        ("node1-1.3", "answered")]
    with container.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM agent_state_changes")).scalar() == 1
    assert not spill.exists() and not (tmp_path / "ami-spill.jsonl.replaying").exists()
    rejected = [json.loads(x) for x in (tmp_path / "ami-spill.jsonl.rejected")
                .read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rejected] == [3, 6]
    assert rejected[0]["text"] == "{not json at all"
    assert rejected[1]["text"] == _line("calls", _call("node1-1.4"))[:40]   # nothing lost
    again = replay_spill(str(spill), {"calls": store_calls, "agents": store_agents})
    assert again.stored == {} and again.rejected == 0


def test_a_replay_cut_off_by_the_database_is_finished_later_without_duplicates(
        postgres_server, tmp_path):
    url = postgres_server.create_database("faults_spill_cut")
    migrate.upgrade(url)
    engine = make_engine(url)
    store_calls, store_agents = make_call_stores(make_session_factory(engine))
    stores = {"calls": store_calls, "agents": store_agents}
    spill = tmp_path / "spill.jsonl"
    try:
        spill.write_text("".join(_line("calls", _call(f"n-{i}.1")) for i in range(5)),
                         encoding="utf-8")
        postgres_server.down()
        try:
            with pytest.raises(Exception):
                replay_spill(str(spill), stores, chunk=2)
        finally:
            postgres_server.up()
        assert (tmp_path / "spill.jsonl.replaying").exists()    # claimed, waiting
        spill.write_text(_line("calls", _call("n-9.1")), encoding="utf-8")  # spilled meanwhile
        engine.dispose()
        done = replay_spill(str(spill), stores, chunk=2)
        assert done.stored == {"calls": 6}
        assert [lid for lid, _d in _calls(engine)] == sorted(
            [f"n-{i}.1" for i in range(5)] + ["n-9.1"])
    finally:
        engine.dispose()


def test_postgres_down_spills_calls_and_the_bridge_replays_them_when_it_returns(
        postgres_server, tmp_path):
    url = postgres_server.create_database("faults_spill_down")
    migrate.upgrade(url)
    engine = make_engine(url)
    store_calls, store_agents = make_call_stores(make_session_factory(engine))
    spill = tmp_path / "spill.jsonl"
    try:
        with SimThread(speed=10.0) as pbx:
            bridge = AMIBridge(parse_ami_url(pbx.sim.url), RecordingEvents(),
                               store_calls=store_calls, store_agents=store_agents,
                               backoff=(0.05, 0.2), booted_timeout=0.5, spill_path=str(spill))
            bridge.writer.replay_every = 0.5
            task = asyncio.run_coroutine_threadsafe(bridge.run(), pbx.loop)
            wait_for(lambda: bridge.resynced.is_set(), 60, "bridge resynced")
            postgres_server.down()
            try:
                pbx.traffic(rate=5, seconds=2, talk=2).result(30)
                wait_for(lambda: _spilled_calls(spill) >= len(pbx.placed), 60,
                         "every call spilled")
            finally:
                postgres_server.up()
            # No call ends any more: the writer's own timer finds the database back.
            wait_for(lambda: not spill.exists() and
                     not (tmp_path / "spill.jsonl.replaying").exists(), 60, "spill replayed")
            pbx.run(bridge.stop())
            task.result(10)
            assert [lid for lid, _d in _calls(engine)] == sorted(pbx.placed)  # each once
            assert bridge.stats["replayed_calls"] == len(pbx.placed) == 10
            assert bridge.stats.get("spill_rejected", 0) == 0
    finally:
        engine.dispose()


def _spilled_calls(spill) -> int:
    files = [spill, spill.with_name(spill.name + ".replaying")]
    return sum(1 for f in files if f.exists()
               for line in f.read_text(encoding="utf-8").splitlines() if '"calls"' in line)


@pytest.mark.redis
def test_the_bridge_process_replays_a_spill_file_left_from_before_at_start_up(
        container, redis_server):
    settings = container.settings
    spill = f"{settings.instance_path}/ami-spill-fault-node.jsonl"
    import os
    os.makedirs(settings.instance_path, exist_ok=True)
    with open(spill, "w", encoding="utf-8") as fh:
        fh.write(_line("calls", _call("old-1.1")) + _line("calls", _call("old-1.2")))
    with SimThread() as pbx:
        bridge = BridgeCLI(bridge_env(settings.database_url, redis_server.url, pbx.sim.url,
                                      settings.instance_path)).start()
        try:
            wait_for(lambda: len(_calls(container.engine)) == 2, 60, "spilled calls stored")
            assert not os.path.exists(spill)
        finally:
            bridge.close()
    assert _calls(container.engine) == [("old-1.1", "answered"), ("old-1.2", "answered")]


def test_ami_spill_replay_command_reports_what_it_stored_and_rejected(container, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("CALLCENTER_INSTANCE", container.settings.instance_path)
    spill = tmp_path / "left.jsonl"
    spill.write_text(_line("calls", _call("cli-1.1")) + "[1, 2]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ami-spill-replay", str(spill)])
    assert result.exit_code == 0, result.output
    assert "stored: 1 call records" in result.output and "rejected lines: 1" in result.output
    assert _calls(container.engine) == [("cli-1.1", "answered")]
    missing = CliRunner().invoke(main, ["ami-spill-replay", str(tmp_path / "none.jsonl")])
    assert missing.exit_code != 0 and "no spill file" in missing.output
