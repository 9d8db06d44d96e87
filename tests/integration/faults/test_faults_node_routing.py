"""Two Asterisk nodes, each with its `callcenter ami-bridge`: a console command for an
agent reaches the bridge of the node the agent's phone is on (not whichever bridge takes
the shared list first), and a bridge gone from Redis stops claiming its extensions."""
from __future__ import annotations

import pytest
from redis import Redis

from fault_rig import BridgeCLI, SimThread, bridge_env, wait_for
from integrations.ami.remote_control import EXTENSIONS, RemoteCallControl, parse_extensions
from integrations.heartbeat import Heartbeats

pytestmark = pytest.mark.redis
NODE_A = [str(8001 + i) for i in range(5)]
NODE_B = [str(8101 + i) for i in range(5)]


def test_commands_go_to_the_bridge_of_the_agents_node(settings, container, redis_server):
    """`container` empties the shared database afterwards: both bridges store what they see."""
    redis = Redis.from_url(redis_server.url)
    redis.flushdb()
    beats = Heartbeats(redis_server.url)
    with SimThread(agents=NODE_A) as a, SimThread(agents=NODE_B, speed=1.0) as b:
        bridges = []
        try:
            for node, pbx, extra in (("pbx-a", a, "8050-8052"), ("pbx-b", b, "")):
                env = bridge_env(settings.database_url, redis_server.url, pbx.sim.url,
                                 settings.instance_path)
                env.update(AMI_NODE=node, AMI_NODE_EXTENSIONS=extra)
                bridges.append(BridgeCLI(env).start())
            wait_for(lambda: all(beats.read("ami").get(n, {}).get("ok")
                                 for n in ("pbx-a", "pbx-b")), 30, "both bridges beating")
            wait_for(lambda: redis.sismember(EXTENSIONS + "pbx-a", "8001")
                     and redis.sismember(EXTENSIONS + "pbx-b", "8101"), 30,
                     "both nodes' extensions announced")
            assert redis.sismember(EXTENSIONS + "pbx-a", "8051")   # AMI_NODE_EXTENSIONS
            control = RemoteCallControl.from_url(redis_server.url)
            # Alternate: with one shared list about half of these would reach the wrong PBX.
            for reason in ("会议", "培训", "用餐", "小休"):
                for ext, pbx in (("8102", b), ("8003", a)):
                    control.pause(ext, reason)
                    [member] = pbx.sim.pbx.members_of(ext)
                    assert (member.paused, member.reason) == (True, reason)
                    control.unpause(ext)
                    assert not pbx.sim.pbx.members_of(ext)[0].paused
            assert not any(m.paused for m in a.sim.pbx.members.values())
            # A hang-up of a live call on node B, by the agent who answered it.
            talk = b.traffic(rate=1, seconds=1, talk=60)
            wait_for(lambda: any(c.connected for c in b.sim.pbx.calls.values()), 30,
                     "a call answered on node B")
            [(lid, call)] = [(k, c) for k, c in b.sim.pbx.calls.items() if c.connected]
            wait_for(lambda: _bridge_knows(control, call.connected, lid), 10, "bridge folded it")
            talk.result(30)
            assert lid not in b.sim.pbx.calls
            # A stopped bridge's extensions expire; its agents' commands then go to the
            # shared list, which the other bridge takes (and its PBX refuses: not its phone).
            bridges[1].close()
            wait_for(lambda: not redis.exists(EXTENSIONS + "pbx-b"), 30, "node B forgotten")
        finally:
            for bridge in bridges:
                bridge.close()


def _bridge_knows(control, ext: str, lid: str) -> bool:
    from integrations.ami.actions import TelephonyError
    try:
        control.hangup(ext, lid)
        return True
    except TelephonyError as exc:
        if exc.code == "no_such_call":   # the bridge has not folded the answer yet
            return False
        raise


def test_node_extensions_setting_is_checked():
    assert parse_extensions("8001-8003, 8200") == {"8001", "8002", "8003", "8200"}
    assert parse_extensions("") == set()
    for bad in ("80a1", "8003-8001", "1-999999", "8001-"):
        with pytest.raises(ValueError, match="AMI_NODE_EXTENSIONS"):
            parse_extensions(bad)
