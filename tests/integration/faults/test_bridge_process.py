"""`callcenter ami-bridge` as production runs it: beats for /healthz, writes JSON logs without
secrets, and answers the web workers' call-control commands over Redis."""
from __future__ import annotations

import json
import signal

import pytest
from redis import Redis

from fault_rig import BridgeCLI, SimThread, bridge_env, wait_for
from integrations.ami.remote_control import RemoteCallControl
from integrations.heartbeat import Heartbeats

pytestmark = pytest.mark.redis


def test_bridge_process_beats_logs_json_and_serves_console_commands(settings, container,
                                                                   redis_server):
    """`container` empties the shared database afterwards: the bridge stores agent changes."""
    Redis.from_url(redis_server.url).flushdb()
    beats = Heartbeats(redis_server.url)
    with SimThread() as pbx:
        env = bridge_env(settings.database_url, redis_server.url, pbx.sim.url,
                         settings.instance_path, LOG_FORMAT="json")
        bridge = BridgeCLI(env).start()
        try:
            wait_for(lambda: beats.read("ami").get("fault-node", {}).get("ok"), 30,
                     "the bridge's heartbeat")
            result = RemoteCallControl.from_url(redis_server.url).pause("8001", "会议")
            assert result.action == "pause"
            [member] = pbx.sim.pbx.members_of("8001")
            assert (member.paused, member.reason) == (True, "会议")
            bridge.kill(signal.SIGTERM)
            assert bridge.proc.returncode == 0
            lines = [line for line in bridge.output().splitlines() if line.strip()]
            entries = [json.loads(line) for line in lines]  # every line is one JSON object
            assert any(e["logger"] == "integrations.ami.bridge" for e in entries)
            assert pbx.sim.secret not in bridge.output()
        finally:
            bridge.close()
