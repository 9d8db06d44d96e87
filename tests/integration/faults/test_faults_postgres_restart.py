"""Restart PostgreSQL while the bridge stores calls: the store worker retries, and a batch it
still cannot write goes to the spill file; no call is lost and none is kept twice."""
from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import text

from callcenter import migrate
from callcenter.ports import RecordingEvents
from callcenter.services.calls import make_call_stores
from callcenter.store import make_engine, make_session_factory
from fault_rig import SimThread, wait_for
from integrations.ami.bridge import AMIBridge
from integrations.ami.client import parse_ami_url


def test_postgres_restart_while_storing_calls_keeps_every_call_once(postgres_server, tmp_path):
    url = postgres_server.create_database("faults_pg_restart")
    migrate.upgrade(url)
    engine = make_engine(url)
    store_calls, _agents = make_call_stores(make_session_factory(engine))
    spill = tmp_path / "spill.jsonl"
    try:
        with SimThread(speed=10.0) as pbx:
            bridge = AMIBridge(parse_ami_url(pbx.sim.url), RecordingEvents(),
                               store_calls=store_calls, backoff=(0.05, 0.2),
                               booted_timeout=0.5, spill_path=str(spill))
            task = asyncio.run_coroutine_threadsafe(bridge.run(), pbx.loop)
            wait_for(lambda: bridge.resynced.is_set(), 60, "bridge resynced")
            traffic = pbx.traffic(rate=10, seconds=4, talk=3)   # calls end every ~0.1 s
            time.sleep(1.5)
            postgres_server.down()   # down for 1 s: several of the writer's 0.2 s windows
            time.sleep(1.0)
            postgres_server.up()
            traffic.result(30)
            wait_for(lambda: len(_kept(engine, spill)) >= len(pbx.placed), 60, "calls kept")
            pbx.run(bridge.stop())
            task.result(10)
            kept = _kept(engine, spill)
            assert sorted(kept) == sorted(pbx.placed)   # every call, exactly once
            assert (bridge.stats["stored_calls"] + bridge.stats.get("replayed_calls", 0)
                    + _spilled(spill)) == len(pbx.placed)   # a spilled call is replayed once
            assert bridge.stats["store_errors"] > 0   # the restart did cut some writes off
    finally:
        engine.dispose()


def _spilled(spill) -> int:
    return len(spill.read_text(encoding="utf-8").splitlines()) if spill.exists() else 0


def _kept(engine, spill) -> list[str]:
    """Linked ids in the database plus those in the spill file."""
    try:
        with engine.connect() as conn:
            ids = list(conn.execute(text("SELECT linkedid FROM call_records")).scalars())
    except Exception:  # noqa: BLE001 - the database may still be coming back
        return []
    if spill.exists():
        ids += [json.loads(line)["data"]["linkedid"]
                for line in spill.read_text(encoding="utf-8").splitlines()]
    return ids
