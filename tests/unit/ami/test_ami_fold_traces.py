"""Every recorded trace folds into the call records written by hand for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.ami.replay import fold_events, load_events, replay_file
from integrations.ami.records import US, timestamp_us

AMI = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "ami"
SPEC_FIELDS = (
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
FIXTURE_WRAPUP = {"hotline": 5, "care": 5}  # the recording's queues.conf (fixtures README)
EXPECTED = sorted(AMI.glob("*.expected.json"))


def _spec(records):
    return [{k: r[k] for k in SPEC_FIELDS} for r in records]


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_recorded_trace_folds_to_its_expected_call_records(expected_file):
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    trace = expected_file.with_name(expected_file.name.replace(".expected.json", ".ami.txt"))
    result = replay_file(trace, wrapup_seconds=FIXTURE_WRAPUP)
    assert _spec(result.records) == _spec(expected["calls"])
    assert result.in_progress == []
    assert result.odd == {}


def test_fixture_set_is_complete():
    assert len(EXPECTED) >= 9


def test_agent_timeline_reproduces_the_recorded_shift():
    expected = json.loads((AMI / "agent_states.expected.json").read_text(encoding="utf-8"))
    result = replay_file(AMI / "agent_states.ami.txt", wrapup_seconds=FIXTURE_WRAPUP)
    got = [{k: c[k] for k in ("at", "agent", "state", "reason")} for c in result.agent_timeline]
    assert got == expected["agent_timeline"]


def test_end_of_wrap_up_comes_from_the_timer_not_an_event():
    result = replay_file(AMI / "agent_states.ami.txt", wrapup_seconds=FIXTURE_WRAPUP)
    ready_after_call = [c for c in result.agent_timeline if c["source"] == "wrapup_timer"]
    assert [c["at"] for c in ready_after_call] == ["1795868688.000000"]


def test_receipt_time_is_used_when_timestamp_headers_are_missing():
    events = load_events(AMI / "answered.ami.txt")
    # Strip Timestamp and feed each event at the time it was stamped, as a live bridge would.
    result_records = []
    from integrations.ami.fold import CallFold

    fold = CallFold()
    for ev in events:
        stamped = timestamp_us(ev.get("Timestamp")) or 0
        bare = {k: v for k, v in ev.items() if k != "Timestamp"}
        result_records += [
            r.to_json() for kind, r, _ in fold.apply(bare, stamped) if kind == "ended"
        ]
    [record] = result_records
    assert (record["wait_seconds"], record["talk_seconds"]) == (3, 6)


def test_json_trace_with_no_timestamps_uses_the_given_receipt_time():
    result = fold_events(
        load_events(AMI / "cacofonisk_ab_success_a_hangup.json"), received_us=7 * US
    )
    assert result.records[0]["started_at"] == 7 * US
