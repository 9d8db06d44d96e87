"""Call records and agent states reach the database through the bridge's store callables."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
import json
import pytest
from sqlalchemy import func, select

from ami_harness import AMI_FIXTURES, Harness, run
from callcenter.cli import main
from callcenter.models.calls import AgentSession, AgentStateChange, CallRecord
from callcenter.models.stats import CallHour
from callcenter.services.calls import make_call_stores, record_agent_changes, save_call_records
from integrations.ami.replay import replay_file

SPEC = (
    "linkedid",
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


def test_saving_the_same_call_twice_keeps_one_row_with_the_latest_facts(session):
    record = replay_file(AMI_FIXTURES / "answered.ami.txt").records[0]
    save_call_records(session, [record])
    save_call_records(session, [{**record, "resynced": True}])
    session.commit()
    rows = session.scalars(select(CallRecord)).all()
    assert len(rows) == 1 and rows[0].resynced is True and rows[0].answered_by == "8001"
    assert rows[0].started_at.timestamp() == pytest.approx(1795865089.357956)


def test_a_record_updates_only_the_fields_it_carries_and_the_last_of_a_batch_wins(session):
    record = replay_file(AMI_FIXTURES / "answered.ami.txt").records[0]
    save_call_records(session, [record])
    save_call_records(session, [{"linkedid": record["linkedid"], "resynced": True},
                                {"linkedid": record["linkedid"], "hangup_by": "agent"}])
    session.commit()
    [row] = session.scalars(select(CallRecord)).all()
    assert (row.resynced, row.hangup_by, row.answered_by, row.queue) == (
        True, "agent", "8001", "hotline")
    assert row.caller_e164 and row.started_at.timestamp() == pytest.approx(1795865089.357956)


def test_stored_calls_keep_the_hour_summaries_exact_when_a_call_moves_hour(session):
    """The store writes with plain statements, not ORM objects, so it recounts the hours
    itself: the call's old hour loses it and its new hour gains it in the same transaction."""
    record = replay_file(AMI_FIXTURES / "answered.ami.txt").records[0]
    save_call_records(session, [record])
    session.flush()
    hours = lambda: {(h.day, h.hour): h.offered for h in session.scalars(select(CallHour))}  # noqa: E731
    before = hours()
    assert sum(before.values()) == 1
    two_hours_on = record["started_at"] + 2 * 3600 * 1_000_000
    save_call_records(session, [{**record, "started_at": two_hours_on}])
    session.flush()
    after = hours()
    [(old_hour, _)] = before.items()
    assert after.get(old_hour, 0) == 0 and sum(after.values()) == 1
    assert (old_hour[1] + 2) % 24 in {hour for (_, hour), n in after.items() if n}


def test_agent_log_in_to_log_off_is_one_session(session):
    timeline = replay_file(
        AMI_FIXTURES / "agent_states.ami.txt", wrapup_seconds={"hotline": 5}
    ).agent_timeline
    record_agent_changes(session, timeline)
    session.commit()
    assert session.scalar(select(func.count()).select_from(AgentStateChange)) == len(timeline)
    [shift] = session.scalars(select(AgentSession)).all()
    assert shift.extension == "8001" and shift.ended_at > shift.started_at


def test_one_batch_opens_closes_and_reopens_sessions_per_agent(session):
    """The batch is written in one flush: a session opened earlier in the same batch, or by
    an earlier batch, is the one a later `offline` closes; each agent keeps its own."""
    def change(agent, state, second):
        return {"agent": agent, "state": state, "at": (1_795_865_000 + second) * 1_000_000,
                "source": "ami", "queues": ["hotline"]}

    record_agent_changes(session, [change("8001", "idle", 0)])
    session.commit()
    batch = [change("8001", "busy", 1), change("8002", "idle", 2), change("8001", "offline", 3),
             change("8001", "idle", 4), change("8002", "offline", 5), change("8003", "offline", 6)]
    assert record_agent_changes(session, batch) == len(batch)
    session.commit()
    shifts = [(s.extension, s.started_at.timestamp() - 1_795_865_000,
               s.ended_at and s.ended_at.timestamp() - 1_795_865_000)
              for s in session.scalars(select(AgentSession).order_by(AgentSession.id))]
    assert shifts == [("8001", 0, 3), ("8002", 2, 5), ("8001", 4, None)]
    assert session.scalar(select(func.count()).select_from(AgentStateChange)) == 7
    assert record_agent_changes(session, []) == 0


def test_bridge_stores_calls_and_agent_states_in_the_database(container):
    store_calls, store_agents = make_call_stores(container.sessions)

    async def scenario():
        async with Harness(store_calls=store_calls, store_agents=store_agents) as h:
            h.sim.start_scenario("answered", wait=1.5, talk=1.5)
            await h.until(lambda: h.bridge.stats["stored_calls"] == 1)

    run(scenario())
    with container.sessions() as s:
        [row] = s.scalars(select(CallRecord)).all()
        assert row.disposition == "answered" and row.queue == "hotline"
        assert s.scalar(select(func.count()).select_from(AgentStateChange)) > 0


@pytest.mark.parametrize(
    "expected_file",
    sorted(AMI_FIXTURES.glob("*.expected.json")),
    ids=lambda p: p.name.split(".")[0],
)
def test_ami_replay_json_prints_the_expected_records(expected_file):
    trace = str(expected_file).replace(".expected.json", ".ami.txt")
    result = CliRunner().invoke(main, ["ami-replay", trace, "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    expected = json.loads(expected_file.read_text(encoding="utf-8"))["calls"]
    assert [{k: r[k] for k in SPEC} for r in printed] == [{k: r[k] for k in SPEC} for r in expected]


def test_ami_replay_reads_json_event_arrays():
    result = CliRunner().invoke(
        main, ["ami-replay", str(AMI_FIXTURES / "cacofonisk_queue_a_cancel.json"), "--json"]
    )
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["disposition"] == "abandoned"


def test_ami_replay_rejects_a_file_that_is_not_a_trace(tmp_path: Path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    result = CliRunner().invoke(main, ["ami-replay", str(bad)])
    assert result.exit_code != 0 and "array of objects" in result.output


def test_records_the_store_keeps_refusing_are_kept_in_the_spill_file(tmp_path):
    import asyncio

    from integrations.ami.store_writer import StoreWriter

    def broken(batch):
        raise RuntimeError("database is down")

    async def scenario():
        stats: dict = {}
        writer = StoreWriter({"calls": broken}, stats, str(tmp_path / "spill.jsonl"), attempts=2)
        task = asyncio.create_task(writer.run())
        writer.add("calls", [{"linkedid": "1.1"}, {"linkedid": "1.2"}])
        await writer.flush()
        await writer.close(task)  # stops only after the failing batch is spilled
        return stats

    stats = run(scenario())
    lines = (tmp_path / "spill.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["data"]["linkedid"] for x in lines] == ["1.1", "1.2"]
    assert stats["store_errors"] == 2


def test_records_of_one_window_go_to_the_store_in_one_batch():
    """The writer waits `window` after the first record so a burst is one transaction (its
    ORM work holds the GIL the screen-pop's socket writer needs); the order is kept."""
    import asyncio

    from integrations.ami.store_writer import StoreWriter

    batches: list[list[str]] = []

    async def scenario(window: float) -> None:
        writer = StoreWriter({"calls": lambda b: batches.append([r["linkedid"] for r in b])},
                             {}, window=window)
        task = asyncio.create_task(writer.run())
        for lid in ("1.1", "1.2", "1.3"):  # three bursts, 100 ms apart
            writer.add("calls", [{"linkedid": lid}])
            await writer.flush()
            await asyncio.sleep(0.1)
        await writer.close(task)

    run(scenario(window=1.0))
    assert batches == [["1.1", "1.2", "1.3"]]
    batches.clear()
    run(scenario(window=0))  # no window: each burst is written as soon as it comes
    assert batches == [["1.1"], ["1.2"], ["1.3"]]


def test_a_queue_already_holding_a_full_batch_is_written_without_waiting_the_window():
    """A burst (or a store falling behind) must not wait a window per batch: the first
    batch goes while the window, set here to an hour, would still be open."""
    import asyncio

    from integrations.ami.store_writer import StoreWriter

    batches: list[int] = []

    async def scenario() -> None:
        writer = StoreWriter({"calls": lambda b: batches.append(len(b))}, {},
                             window=3600, max_batch=10)
        writer.add("calls", [{"linkedid": f"1.{i}"} for i in range(25)])
        await writer.flush()          # 25 queued before the writer starts
        task = asyncio.create_task(writer.run())
        for _ in range(500):
            if sum(batches) >= 20:
                break
            await asyncio.sleep(0.01)
        assert batches[:2] == [10, 10]   # written at once, in full batches
        task.cancel()

    run(scenario())
