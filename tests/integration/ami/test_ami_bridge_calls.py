"""The bridge follows calls from a real AMI socket: login, fold, publish, store."""

from __future__ import annotations

import json

import pytest

from ami_harness import AMI_FIXTURES, Harness, run
from integrations.ami.client import READ_SIZE, AMIAuthError, AMIConnection, parse_ami_url
from integrations.ami.simulator import PBXSimulator

SPEC = (
    "caller_number",
    "caller_name",
    "queue",
    "ivr_vars",
    "agents_rung",
    "answered_by",
    "disposition",
    "wait_seconds",
    "talk_seconds",
    "hangup_by",
    "fax",
)


@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_bridge_logs_in_and_folds_an_answered_call(auth):
    async def scenario():
        async with Harness(auth=auth) as h:
            h.sim.start_scenario("answered", number="13800138000", name="张三", wait=3.5, talk=6.5)
            await h.until(lambda: h.stored)
            [record] = h.stored
            assert (record["caller_name"], record["answered_by"] in ("8001", "8002")) == (
                "张三",
                True,
            )
            assert (record["disposition"], record["wait_seconds"], record["talk_seconds"]) == (
                "answered",
                3,
                6,
            )
            assert record["hangup_by"] == "caller" and record["ivr_vars"]["CC_QUEUE"] == "hotline"

    run(scenario())


def test_wrong_secret_is_refused_with_a_clear_error():
    async def scenario():
        import asyncio

        sim = PBXSimulator()
        await sim.start()
        try:
            conn = AMIConnection(
                parse_ami_url(sim.url.replace("sim-secret", "wrong")), asyncio.Queue(10)
            )
            with pytest.raises(AMIAuthError, match="Authentication failed"):
                await conn.open()
        finally:
            await sim.stop()

    run(scenario())


def test_the_connection_reads_in_chunks_below_mallocs_mmap_threshold():
    """asyncio's default 256 KiB recv buffer cost an mmap and munmap per read."""
    async def scenario():
        import asyncio

        sim = PBXSimulator()
        await sim.start()
        try:
            conn = AMIConnection(parse_ami_url(sim.url), asyncio.Queue(10))
            await conn.open()
            assert conn._writer.transport.max_size == READ_SIZE <= 128 * 1024
            await conn.close("done")
        finally:
            await sim.stop()

    run(scenario())


def test_ringing_reaches_the_agent_room_before_the_answer_with_gapless_seq():
    async def scenario():
        async with Harness() as h:
            h.sim.start_scenario("answered", wait=2.5, talk=2.5)
            await h.until(lambda: h.stored)
            ext = h.stored[0]["answered_by"]
            room = [(n, p) for n, p, r in h.events.published if r == f"agent:{ext}"]
            names = [n for n, _ in room]
            assert (
                names.index("call.ringing")
                < names.index("call.answered")
                < names.index("call.ended")
            )
            assert [p["seq"] for _, p in room] == list(range(1, len(room) + 1))
            ringing = next(p for n, p in room if n == "call.ringing")
            assert ringing["caller_number"] and ringing["ivr_vars"]["CC_QUEUE"] == "hotline"

    run(scenario())


@pytest.mark.parametrize(
    "scenario_name, disposition, hangup_by",
    [
        ("abandoned", "abandoned", "caller"),
        ("ivr_only", "ivr_only", "caller"),
        ("ring_no_answer", "answered", "agent"),
        ("fax", "fax", "caller"),
    ],
)
def test_each_scenario_folds_to_its_disposition(scenario_name, disposition, hangup_by):
    async def scenario():
        async with Harness(speed=100) as h:
            h.sim.start_scenario(scenario_name)
            await h.until(lambda: h.stored)
            [record] = h.stored
            assert (record["disposition"], record["hangup_by"]) == (disposition, hangup_by)
            if scenario_name == "ring_no_answer":
                assert len(record["agents_rung"]) == 2 and record["rang_out"] == [
                    record["agents_rung"][0]
                ]
            if scenario_name == "fax":
                assert record["fax"]["pages"] == 2

    run(scenario())


@pytest.mark.parametrize("kind", ["blind_transfer", "attended_transfer"])
def test_transfers_are_recorded_on_the_residents_call(kind):
    async def scenario():
        async with Harness(speed=100) as h:
            h.sim.start_scenario(kind)
            await h.until(lambda: any(r["transfers"] for r in h.stored))
            [call] = [r for r in h.stored if r["transfers"]]
            [transfer] = call["transfers"]
            assert transfer["kind"] == kind.split("_")[0]
            assert transfer["from"] == call["answered_by"] and transfer["to"] not in (
                None,
                call["answered_by"],
            )
            await h.until(lambda: not h.bridge.fold.active())

    run(scenario())


def test_recorded_trace_replayed_with_fresh_ids_folds_like_the_file():
    async def scenario():
        expected = json.loads((AMI_FIXTURES / "answered.expected.json").read_text(encoding="utf-8"))
        async with Harness(speed=20) as h:
            await h.sim.replay(str(AMI_FIXTURES / "answered.ami.txt"))
            await h.until(lambda: h.stored)
            [record] = h.stored
            assert record["linkedid"] != expected["calls"][0]["linkedid"]
            assert {k: record[k] for k in SPEC} == {k: expected["calls"][0][k] for k in SPEC}

    run(scenario())


def test_a_mix_of_calls_all_end_and_none_is_left_on_the_wallboard():
    async def scenario():
        async with Harness(speed=200) as h:
            await h.sim.run_mix(rate=2.0, count=25, seed=7)
            await h.until(lambda: not h.bridge.fold.active() and len(h.stored) >= 25)
            assert len({r["linkedid"] for r in h.stored}) == len(h.stored)
            snapshots = h.published("queue.snapshot", "queue:hotline")
            assert snapshots[-1]["waiting"] == 0
            assert h.bridge.odd.counts == {}

    run(scenario())


def test_a_ring_burst_pops_before_any_queue_snapshot_and_snapshots_once_per_burst():
    """Frames of one call arriving together (join, ring): the pop is published first, before
    the reader parses the rest of its read, and the queue's figures once, after the inbox
    drained and the read was done (docs/events.md)."""
    from integrations.ami.simulator import flows

    async def scenario():
        async with Harness() as h:
            await h.until(lambda: h.published("queue.snapshot", "queue:hotline"))
            start = len(h.events.published)
            reading_on: list[bool] = []  # was the reader paused inside its read at the pop?
            publish = h.events.publish

            def spy(name, payload, *, room=None):
                if name == "call.ringing":
                    reading_on.append(h.bridge.connection.mid_read)
                publish(name, payload, room=room)

            h.events.publish = spy
            call = flows.start_call(h.sim.pbx, "13800138000", "张三")
            flows.enqueue(h.sim.pbx, call, "hotline")
            flows.ring(h.sim.pbx, call, "8001")
            await h.until(lambda: any(n == "queue.snapshot" for n, _p, _r in h.events.published[start:]))
            burst = [(n, r) for n, _p, r in h.events.published[start:]]
            assert burst.index(("call.ringing", "agent:8001")) < burst.index(
                ("queue.snapshot", "queue:hotline"))
            assert burst.count(("queue.snapshot", "queue:hotline")) == 1
            [snap] = [p for n, p, r in h.events.published[start:] if n == "queue.snapshot"]
            assert snap["waiting"] == 1 and snap["agents"].get("ringing") == 1
            assert reading_on == [True]  # popped before the rest of the read was parsed
            flows.teardown(h.sim.pbx, call, by="caller")
            await h.until(lambda: h.stored)

    run(scenario())


def test_a_burst_that_fills_the_inbox_still_gets_its_queue_snapshot_without_another_frame():
    """The reader waits on a full inbox mid-read, the bridge drains it meanwhile; the read's
    end must still be signalled, or the wallboard waits for the next frame."""
    from integrations.ami.simulator import flows

    async def scenario():
        async with Harness(queue_size=1) as h:
            await h.until(lambda: h.published("queue.snapshot", "queue:hotline"))
            start = len(h.events.published)
            call = flows.start_call(h.sim.pbx, "13800138000", "张三")
            flows.enqueue(h.sim.pbx, call, "hotline")
            def waiting_snapshots():
                return [p for n, p, r in h.events.published[start:]
                        if n == "queue.snapshot" and p["waiting"] == 1]
            await h.until(waiting_snapshots)   # raises if the snapshot never comes
            assert waiting_snapshots()[-1]["waiting"] == 1
            flows.teardown(h.sim.pbx, call, by="caller")
            await h.until(lambda: h.stored)

    run(scenario())
