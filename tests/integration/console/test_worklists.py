"""The agent's missed-calls list: abandoned or missed calls of the agent's queues in the last
3 days that nobody has marked handled; marking (one or many) is audited, checked against
the agent's queues, and takes the call off every agent's list."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from callcenter.domain.tickets import ValidationError
from callcenter.models import AuditEntry
from callcenter.models.calls import CallRecord
from callcenter.services import worklists

NOW = datetime(2024, 5, 20, 2, 0, tzinfo=timezone.utc)
MINE = ["qa1"]


@pytest.fixture
def calls(container, world):
    """Call ids by name: missed and abandoned in qa1, answered in qa1, abandoned in qa2, old."""
    rows = {"abandoned": ("qa1", "abandoned", 1), "missed": ("qa1", "missed", 2),
            "answered": ("qa1", "answered", 3), "other_queue": ("qa2", "abandoned", 4),
            "four_days_ago": ("qa1", "abandoned", 96)}
    ids = {}
    with container.sessions.begin() as s:
        for name, (queue, disposition, hours_ago) in rows.items():
            row = CallRecord(linkedid=f"L-{name}", queue=queue, disposition=disposition,
                             caller_number="13800138000", wait_seconds=30,
                             started_at=NOW - timedelta(hours=hours_ago))
            s.add(row)
            s.flush()
            ids[name] = row.id
    return ids


def missed(container, queues=MINE) -> list[str]:
    with container.sessions() as s:
        return [c.linkedid for c in worklists.missed_calls(s, queues, now=NOW)]


def mark(container, world, ids, user="agent_a1", queues=MINE) -> int:
    with container.sessions.begin() as s:
        return worklists.mark_missed_handled(s, world.actors[user], queues, ids)


def test_missed_calls_are_my_queues_abandoned_and_missed_calls_of_the_last_three_days(container, calls):
    assert missed(container) == ["L-abandoned", "L-missed"]   # newest first


def test_agent_without_queues_has_no_missed_calls(container, calls):
    assert missed(container, []) == []


def test_marking_handled_takes_the_call_off_every_agents_list_and_is_audited(container, world, calls):
    assert mark(container, world, [calls["abandoned"]]) == 1
    assert missed(container) == ["L-missed"]
    with container.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "callback_handled")).one()
        assert (entry.record_id, entry.user_id, entry.detail["linkedid"]) == \
            (calls["abandoned"], world.users["agent_a1"], "L-abandoned")


def test_marking_several_at_once_and_again_counts_only_the_new_ones(container, world, calls):
    assert mark(container, world, [calls["abandoned"], calls["missed"]]) == 2
    assert mark(container, world, [calls["abandoned"], calls["missed"]]) == 0
    assert missed(container) == []


@pytest.mark.parametrize("name", ["other_queue", "answered"])
def test_marking_a_call_that_is_not_a_missed_call_of_my_queues_is_refused_and_marks_nothing(
        container, world, calls, name):
    with pytest.raises(ValidationError, match="not missed calls of your queues"):
        mark(container, world, [calls["abandoned"], calls[name]])
    assert missed(container) == ["L-abandoned", "L-missed"]


@pytest.mark.parametrize("ids", [[], "1", [True], ["1"], [1.0], list(range(1, 202))])
def test_ids_that_are_not_a_short_list_of_integers_are_refused(container, world, calls, ids):
    with pytest.raises(ValidationError, match="ids must be a list of 1 to 200 call ids"):
        mark(container, world, ids)


def test_unknown_call_id_is_refused(container, world, calls):
    with pytest.raises(ValidationError):
        mark(container, world, [max(calls.values()) + 100])


def test_call_back_number_is_given_only_for_a_call_of_my_queues(container, world, calls):
    with container.sessions() as s:
        actor = world.actors["agent_a1"]
        assert worklists.callback_number(s, actor, call_id=calls["missed"], queues=MINE) == "13800138000"
        with pytest.raises(ValidationError, match="not a missed call of your queues"):
            worklists.callback_number(s, actor, call_id=calls["other_queue"], queues=MINE)
        with pytest.raises(ValidationError):
            worklists.callback_number(s, actor, call_id="1", queues=MINE)


def test_missed_call_row_shows_a_masked_number(container, world, calls):
    with container.sessions() as s:
        rows = worklists.for_agent(s, world.actors["agent_a1"], MINE, now=NOW)["missed"]
    assert rows[0]["caller_masked"] != "13800138000" and "*" in rows[0]["caller_masked"]
    assert rows[0]["caller_masked"].endswith("8000")


@pytest.mark.parametrize("score", [0, 6, True, "5", None])
def test_revisit_score_outside_one_to_five_is_refused(container, world, score):
    with container.sessions() as s, pytest.raises(ValidationError, match="score must be an integer"):
        worklists.record_revisit(s, world.actors["agent_a1"], "T-1", score, "")
