"""Disconnects, PBX restarts, half-open sockets and bursts: no ghost call, no double count."""

from __future__ import annotations

import asyncio
import itertools
import time

from ami_harness import Harness, run


def test_call_that_ends_while_disconnected_is_closed_once_by_the_resync():
    async def scenario():
        async with Harness() as h:
            h.sim.start_scenario("answered", wait=1.5, talk=15)
            await h.until(lambda: any(r.answered_at for r in h.bridge.fold.active()))
            h.sim.accepting = False
            h.sim.drop_connections()
            await h.until(lambda: not h.sim.pbx.calls)  # the call ends while we are away
            h.sim.accepting = True
            await h.until(lambda: h.stored)
            [record] = h.stored
            assert (record["resynced"], record["disposition"], record["hangup_by"]) == (
                True,
                "answered",
                "system",
            )
            assert h.bridge.fold.active() == []
            sessions = h.bridge.stats["sessions"]
            h.sim.drop_connections()  # another reconnect must not count it again
            await h.until(
                lambda: h.bridge.stats["sessions"] > sessions and h.bridge.resynced.is_set()
            )
            assert len(h.stored) == 1 and len(h.published("call.ended", "queue:hotline")) == 1

    run(scenario())


def test_call_still_up_after_a_reconnect_is_kept_and_ends_normally():
    async def scenario():
        async with Harness() as h:
            h.sim.start_scenario("answered", wait=1.5, talk=20)
            await h.until(lambda: any(r.answered_at for r in h.bridge.fold.active()))
            h.sim.drop_connections()
            await h.until(lambda: h.bridge.stats["resyncs"] >= 2)
            assert len(h.bridge.fold.active()) == 1
            await h.until(lambda: h.stored)
            [record] = h.stored
            assert (record["resynced"], record["disposition"], record["talk_seconds"]) == (
                False,
                "answered",
                20,
            )

    run(scenario())


def test_call_begun_while_disconnected_is_adopted_from_the_channel_list():
    async def scenario():
        async with Harness() as h:
            h.sim.accepting = False
            h.sim.drop_connections()
            h.sim.start_scenario("answered", wait=1.5, talk=20)
            await h.until(lambda: any(c.connected for c in h.sim.pbx.calls.values()))
            h.sim.accepting = True
            await h.until(lambda: h.bridge.stats["resyncs"] >= 2)
            [adopted] = h.bridge.fold.active()
            assert adopted.adopted and adopted.answered_by in ("8001", "8002")
            await h.until(lambda: h.stored)
            assert h.stored[0]["linkedid"] == adopted.linkedid and h.bridge.fold.active() == []

    run(scenario())


def test_pbx_restart_closes_every_call_in_progress_and_empties_the_queue():
    async def scenario():
        async with Harness() as h:
            for _ in range(3):
                h.sim.start_scenario("answered", wait=1.5, talk=30)
            await h.until(lambda: len(h.bridge.fold.active()) == 3)
            h.sim.restart()
            await h.until(lambda: len(h.stored) == 3)
            assert all(r["resynced"] for r in h.stored) and h.bridge.fold.active() == []
            await h.until(
                lambda: h.published("queue.snapshot", "queue:hotline")[-1]["waiting"] == 0
            )

    run(scenario())


def test_half_open_pbx_is_detected_by_ping_and_the_bridge_reconnects():
    async def scenario():
        async with Harness(ping=0.1) as h:
            h.sim.stall(True)  # socket stays open, nothing comes back
            await h.until(lambda: not h.bridge.connected.is_set())
            h.sim.stall(False)
            await h.until(lambda: h.bridge.connected.is_set() and h.bridge.stats["sessions"] >= 2)
            h.sim.start_scenario("ivr_only")
            await h.until(lambda: h.stored)

    run(scenario())


def _burst_frames(n_calls: int):
    seq = itertools.count()
    for i in range(n_calls):
        lid, root, agent = f"1700000000.{i}", f"PJSIP/trunk-{i:08x}", f"PJSIP/8001-{i:08x}"
        base = {"Uniqueid": lid, "Linkedid": lid, "Channel": root}
        yield {"Event": "Newchannel", **base, "CallerIDNum": "13800138000", "CallerIDName": "张三"}
        yield {"Event": "QueueCallerJoin", **base, "Queue": "hotline", "Position": "1"}
        yield {
            "Event": "AgentCalled",
            **base,
            "DestChannel": agent,
            "MemberName": "8001",
            "Interface": "PJSIP/8001",
            "Queue": "hotline",
        }
        yield {
            "Event": "AgentConnect",
            **base,
            "DestChannel": agent,
            "MemberName": "8001",
            "Interface": "PJSIP/8001",
            "Queue": "hotline",
        }
        yield {"Event": "Cdr", "n": str(next(seq))}
        yield {"Event": "Hangup", **base, "Cause": "16"}


def test_a_slow_fold_mid_read_is_not_taken_for_a_dead_pbx():
    """The Ping's answer waits behind the frames still being folded: while the reader works
    through a read (here each AgentCalled fold takes 20 ms) the session stays up."""
    async def scenario():
        async with Harness(ping=0.05) as h:
            on_event = h.bridge._on_event

            def slow(headers, received):
                if headers.get("Event") == "AgentCalled":
                    time.sleep(0.02)  # a loaded machine: the fold holds the loop
                on_event(headers, received)
            h.bridge._on_event = slow
            frames = list(_burst_frames(40))
            for frame in frames:
                h.sim._broadcast(frame)
            await h.until(lambda: len(h.stored) == 40, timeout=30)
            assert h.bridge.stats["sessions"] == 1
            assert [r["linkedid"] for r in h.stored] == [f"1700000000.{i}" for i in range(40)]

    run(scenario())


def test_fifty_thousand_event_burst_is_folded_in_order_without_blocking_the_loop():
    async def scenario():
        async with Harness() as h:
            ticks = 0

            async def heartbeat():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0)
                    ticks += 1

            beat = asyncio.create_task(heartbeat())
            frames = list(_burst_frames(50_000 // 6))
            frames += [{"Event": "RTCPSent", "n": str(i)} for i in range(50_000 - len(frames))]
            assert len(frames) == 50_000
            for (
                frame
            ) in frames:  # all written at once: the socket buffers, the bridge reads at its pace
                h.sim._broadcast(frame)
            n_calls = sum(1 for f in frames if f["Event"] == "Hangup")
            await h.until(lambda: len(h.stored) == n_calls, timeout=60)
            beat.cancel()
            assert [r["linkedid"] for r in h.stored] == [f"1700000000.{i}" for i in range(n_calls)]
            assert h.bridge.metrics()["frames"] >= 50_000 and ticks > 100
            assert h.bridge.fold.active() == [] and h.bridge.connected.is_set()

    run(scenario(), timeout=120)
