"""Kill -9 `callcenter ami-bridge` during traffic and start a new one: every call the
simulator placed is stored exactly once (the new bridge adopts the calls still up)."""
from __future__ import annotations

import signal
import time

import pytest
from redis import Redis
from sqlalchemy import text

from fault_rig import BridgeCLI, SimThread, bridge_env, wait_for
from integrations.heartbeat import Heartbeats

pytestmark = pytest.mark.redis


def stored(engine) -> list[tuple[str, bool]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT linkedid, adopted FROM call_records"))]


def test_bridge_killed_and_restarted_during_traffic_stores_every_call_once(
        container, redis_server):
    Redis.from_url(redis_server.url).flushdb()  # no other test's beat may pass for ours
    beats = Heartbeats(redis_server.url)
    settings = container.settings
    with SimThread(speed=10.0) as pbx:
        env = bridge_env(settings.database_url, redis_server.url, pbx.sim.url,
                         settings.instance_path)
        first = BridgeCLI(env).start()
        second = None
        try:
            wait_for(lambda: beats.read("ami").get("fault-node", {}).get("ok"), 30, "bridge up")
            short = pbx.traffic(rate=5, seconds=1, talk=1)     # over before the kill
            short.result(10)
            wait_for(lambda: len(stored(container.engine)) == 5, 60, "short calls stored")
            short_calls = set(pbx.placed)
            long = pbx.traffic(rate=6, seconds=2, talk=40)     # ~4.5 s each: outlive the gap
            time.sleep(1.0)
            first.kill(signal.SIGKILL)
            live_at_kill = set(pbx.placed) - short_calls
            second = BridgeCLI(env).start()
            long.result(30)
            wait_for(lambda: len(stored(container.engine)) >= len(pbx.placed), 60,
                     "every placed call stored")
            rows = stored(container.engine)
            assert sorted(lid for lid, _a in rows) == sorted(pbx.placed)  # each exactly once
            adopted = {lid for lid, a in rows if a}
            assert live_at_kill and live_at_kill <= adopted  # the new bridge took them over
        finally:
            first.close()
            if second is not None:
                second.close()
