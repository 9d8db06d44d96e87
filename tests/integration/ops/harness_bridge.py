"""A real AMI bridge against the PBX simulator on loopback, beating its state."""
from __future__ import annotations

import asyncio

from callcenter.ports import RecordingEvents
from integrations.ami.bridge import AMIBridge
from integrations.ami.client import parse_ami_url
from integrations.ami.simulator import PBXSimulator
from integrations.heartbeat import Heartbeats, beat_bridge


async def run_bridge_with_heartbeat(beats: Heartbeats, node: str) -> None:
    """Connect, let the heartbeat report the connection, then stop everything."""
    sim = PBXSimulator(speed=50.0)
    await sim.start()
    bridge = AMIBridge(parse_ami_url(sim.url), RecordingEvents(), backoff=(0.05, 0.2),
                       booted_timeout=1.0)
    task = asyncio.create_task(bridge.run())
    try:
        await asyncio.wait_for(bridge.connected.wait(), 10)
        beat = asyncio.create_task(beat_bridge(bridge, beats, node, interval=2.0))
        for _ in range(200):
            if beats.read("ami").get(node, {}).get("ok"):
                break
            await asyncio.sleep(0.02)
        beat.cancel()
    finally:
        await bridge.stop()
        await asyncio.wait_for(task, 10)
        await sim.stop()
