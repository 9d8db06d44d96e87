"""Channel/bridge-only traces (cacofonisk, Asterisk 13, no Timestamp headers).

Expectations were written by reading each trace by hand:
- the caller is the channel whose Uniqueid equals the Linkedid; its last caller id wins;
- an agent is a dialled channel whose device name is digits (SIP/150010002-… → 150010002);
  Local channels to non-numeric routes (Local/ID730151@…) are routing, not agents;
- every event is folded at the same receipt time, so rung calls wait 0 s and talk 0 s.
"""

from __future__ import annotations

from pathlib import Path

from integrations.ami.replay import fold_events, load_events

AMI = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "ami"
FIELDS = (
    "linkedid",
    "caller_number",
    "caller_name",
    "queue",
    "agents_rung",
    "answered_by",
    "disposition",
    "wait_seconds",
    "talk_seconds",
    "hangup_by",
    "fax",
    "ivr_vars",
)


def fold(name):
    result = fold_events(load_events(AMI / f"{name}.json"), received_us=1_600_000_000_000_000)
    assert result.in_progress == []
    return result.records


def call(
    linkedid, caller_number, caller_name, agents, answered_by, disposition, hangup_by, queue=None
):
    return {
        "linkedid": linkedid,
        "caller_number": caller_number,
        "caller_name": caller_name,
        "queue": queue,
        "agents_rung": agents,
        "answered_by": answered_by,
        "disposition": disposition,
        "wait_seconds": 0,
        "talk_seconds": 0,
        "hangup_by": hangup_by,
        "fax": None,
        "ivr_vars": {},
    }


def only(records):
    return [{k: r[k] for k in FIELDS} for r in records]


def test_callee_rejecting_with_busy_is_a_missed_call_ended_by_the_agent():
    # 201 (Andrew Garza) dials 202; phone SIP/150010002 answers BUSY, Hangup cause 17.
    assert only(fold("cacofonisk_ab_reject")) == [
        call(
            "195176c06ab8-1529936241.98",
            "201",
            "Andrew Garza",
            ["150010002"],
            None,
            "missed",
            "agent",
        )
    ]


def test_direct_call_answered_then_caller_hangs_up_first():
    # Caller ID changes 150010001/Local Alice -> 201/Andrew Garza before dialling; A leaves
    # the final bridge first ("a_hangup").
    assert only(fold("cacofonisk_ab_success_a_hangup")) == [
        call(
            "195176c06ab8-1529936170.42",
            "201",
            "Andrew Garza",
            ["150010002"],
            "150010002",
            "answered",
            "caller",
        )
    ]


def test_queue_abandon_without_join_event_is_abandoned_by_the_caller():
    # Only QueueCallerAbandon (queue 670100-540100) shows the queue; the phone never answered.
    assert only(fold("cacofonisk_queue_a_cancel")) == [
        call(
            "40a7a1f2a669-1585318545.326",
            "+31150010001",
            None,
            ["150010002"],
            None,
            "abandoned",
            "caller",
            queue="670100-540100",
        )
    ]


def test_ringall_queue_from_channel_events_alone_records_both_phones_and_who_answered():
    # Two Local legs ring 150010002 (DialBegin first) and 150010003 (BUSY); 150010002
    # answers and leaves the final bridge before the trunk.
    assert only(fold("cacofonisk_queue_simple")) == [
        call(
            "195176c06ab8-1529939196.518",
            "+31150010001",
            None,
            ["150010002", "150010003"],
            "150010002",
            "answered",
            "agent",
        )
    ]


def test_blind_transfer_keeps_first_agent_and_rings_the_target_in_the_same_call():
    [record] = fold("cacofonisk_xfer_blind_abbcac")
    assert only([record]) == [
        call(
            "07b796be1962-1529998959.65",
            "201",
            "Andrew Garza",
            ["150010002", "150010003"],
            "150010002",
            "answered",
            "caller",
        )
    ]
    assert [(t["kind"], t["from"], t["to"]) for t in record["transfers"]] == [
        ("blind", "150010002", "203")
    ]


def test_attended_transfer_links_the_consult_call_target_into_the_original_call():
    consult, original = fold("cacofonisk_xfer_abbcac")
    # The consultation call (202 -> 203) ends first; B leaves it by transferring.
    assert only([consult]) == [
        call(
            "195176c06ab8-1529941342.690",
            "202",
            "Christina Arroyo",
            ["150010003"],
            "150010003",
            "answered",
            "caller",
        )
    ]
    # A's call: B answered, transferred to C, and C hung up first at the end.
    assert only([original]) == [
        call(
            "195176c06ab8-1529941338.663",
            "201",
            "Andrew Garza",
            ["150010002"],
            "150010002",
            "answered",
            "agent",
        )
    ]
    assert [(t["kind"], t["from"], t["to"]) for t in original["transfers"]] == [
        ("attended", "150010002", "150010003")
    ]
