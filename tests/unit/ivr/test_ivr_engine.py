"""Engine flows against a scripted CallChannel: the menu's rules, no transport."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from ivr import hours, nodes
from ivr.channel import CallerHungUp, run_call
from ivr.demo import demo_directory
from ivr.directory import GuardedDirectory
from ivr.engine import Engine
from ivr.loader import load_builtin
from ivr.model import CONTRACT_VARS
from ivr.steps import CallInfo, State

SH = ZoneInfo("Asia/Shanghai")
FRIDAY_10 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SH)
HOTLINE, SURVEY = load_builtin("hotline"), load_builtin("survey")


class ScriptedChannel:
    """Plays the caller: answers read_digits from a list, hangs up when told to."""

    def __init__(self, keys=(), hangup_on_read: int | None = None):
        self.keys, self.hangup_on_read = list(keys), hangup_on_read
        self.log: list[tuple] = []
        self.variables: dict[str, str] = {}
        self.reads = 0

    async def answer(self):
        self.log.append(("answer",))

    async def play(self, prompt):
        self.log.append(("play", prompt.name))

    async def read_digits(self, prompt, timeout, max_digits):
        self.log.append(("read", prompt.name, max_digits))
        if self.hangup_on_read == self.reads:
            raise CallerHungUp("caller hung up")
        self.reads += 1
        return self.keys.pop(0) if self.keys else ""

    async def say_digits(self, digits):
        self.log.append(("digits", digits))

    async def say_number(self, number):
        self.log.append(("number", number))

    async def say_date(self, when):
        self.log.append(("date", when))

    async def set_variable(self, name, value):
        self.log.append(("set", name, value))
        self.variables[name] = value

    async def hangup(self):
        self.log.append(("hangup",))

    def played(self):
        return [e[1] for e in self.log if e[0] in ("play", "read")]


def run(keys=(), caller="13800138000", menu=HOTLINE, directory=None, now=FRIDAY_10,
        ticket=None, **kw):
    directory = directory if directory is not None else demo_directory()
    engine = Engine(menu, directory, clock=lambda: now)
    channel = ScriptedChannel(keys, **kw)
    outcome = asyncio.run(run_call(engine, channel, CallInfo(caller, "L1", "zh", ticket)))
    return outcome, channel, directory


def test_queued_call_sets_every_contract_variable():
    outcome, ch, _ = run(["2"])
    assert set(CONTRACT_VARS) <= set(ch.variables)
    assert ch.variables["CC_INTENT"] == "consult" and outcome.ended == "queued"


@pytest.mark.parametrize("caller,tag", [("13602001234", "独居老人"), ("13500000002", "残疾人")])
def test_care_tagged_resident_skips_menus_with_high_priority(caller, tag):
    _, ch, _ = run([], caller=caller)
    assert ch.played() == []
    assert ch.variables["CC_QUEUE"] == "care" and int(ch.variables["CC_PRIORITY"]) >= 8


def test_caller_numbers_in_any_asterisk_form_find_the_resident():
    for raw in ("13800138000", "+8613800138000", "008613800138000"):
        assert run(["1"], caller=raw)[1].variables["CC_RESIDENT_ID"] == "r-1"
    assert run(["1"], caller="02087654321")[1].variables["CC_RESIDENT_ID"] == "r-4"


def test_anonymous_caller_gets_the_menu_without_a_resident():
    _, ch, _ = run(["1"], caller="unknown")
    assert ch.variables["CC_RESIDENT_ID"] == "" and ch.variables["CC_INTENT"] == "service"


def test_english_resident_is_served_in_english_without_asking():
    _, ch, _ = run(["1"], caller="13700000001")
    assert ch.log[0] == ("set", "CHANNEL(language)", "en")
    assert ch.variables["CC_LANG"] == "en"


def test_pressing_9_switches_to_english_and_keeps_the_path():
    _, ch, _ = run(["9", "3"])
    assert (ch.variables["CC_LANG"], ch.variables["CC_IVR_PATH"]) == ("en", "9-3")


def test_invalid_key_plays_the_invalid_prompt_then_asks_again():
    _, ch, _ = run(["7", "1"])
    assert ch.played() == ["welcome", "main_menu", "invalid", "main_menu", "connecting"]


def test_silence_on_every_try_reaches_a_person():
    _, ch, _ = run([])
    assert ch.played().count("main_menu") == 3
    assert ch.variables["CC_INTENT"] == "agent"


def test_after_hours_offers_a_message_that_the_dialplan_turns_into_a_ticket():
    _, ch, _ = run(["1"], now=dt.datetime(2026, 11, 27, 22, 0, tzinfo=SH))
    assert ch.played()[0] == "after_hours"
    assert ch.variables["CC_AFTER_HOURS"] == "voicemail"


def test_public_holiday_is_after_hours():
    _, ch, _ = run(["0"], now=dt.datetime(2026, 10, 1, 10, 0, tzinfo=SH))
    assert ch.played()[0] == "after_hours" and ch.variables["CC_INTENT"] == "agent"


def test_adjusted_working_weekend_day_is_open():
    day = next(dt.date(2026, 1, 1) + dt.timedelta(n) for n in range(365)
               if (dt.date(2026, 1, 1) + dt.timedelta(n)).weekday() >= 5
               and chinese_calendar.is_workday(dt.date(2026, 1, 1) + dt.timedelta(n)))
    _, ch, _ = run(["1"], now=dt.datetime.combine(day, dt.time(10), SH))
    assert ch.played()[0] == "welcome"


def test_year_beyond_the_calendar_falls_back_to_weekends_and_warns_once(caplog, monkeypatch):
    monkeypatch.setattr(hours, "_warned_years", set())
    hours.is_workday.cache_clear()  # an earlier answer would skip the warning
    with caplog.at_level(logging.WARNING, logger="ivr.hours"):
        assert hours.is_workday(dt.date(2099, 1, 5))       # a Monday
        assert not hours.is_workday(dt.date(2099, 1, 3))   # a Saturday
    assert [r.getMessage() for r in caplog.records].count(
        "chinese_calendar has no data for 2099: treating only weekends as days off") == 1


def test_own_ticket_is_read_back_without_verification():
    _, ch, d = run(["4", "20261127001", "0"])
    assert ("digits", "20261127001") in ch.log
    assert ("date", d.tickets["20261127001"].deadline) in ch.log
    assert "verify_last4" not in ch.played()


def test_other_callers_ticket_is_read_after_the_right_last_four_digits():
    _, ch, _ = run(["4", "20261127002", "0000", "0"])
    assert ch.played().count("verify_last4") == 1 and "status_resolved" in ch.played()


def test_three_wrong_verifications_go_to_an_agent_without_the_status():
    _, ch, _ = run(["4", "20261127002", "1234", "2345", "3456"])
    assert "status_resolved" not in ch.played()
    assert ch.played().count("verify_wrong") == 2
    assert (ch.variables["CC_INTENT"], ch.variables["CC_TICKET"]) == ("status", "20261127002")


def test_unknown_ticket_says_so_and_offers_the_next_step():
    _, ch, _ = run(["4", "99999999", "0"])
    assert "ticket_not_found" in ch.played() and ch.variables["CC_INTENT"] == "status"


def test_directory_outage_at_caller_lookup_queues_to_a_person():
    d = demo_directory()
    d.lookup_caller = lambda number: (_ for _ in ()).throw(ConnectionError("db down"))
    outcome, ch, _ = run(["1"], directory=d)
    assert (ch.variables["CC_QUEUE"], ch.variables["CC_INTENT"]) == ("hotline", "agent")
    assert "ConnectionError" in outcome.fault


def test_lookup_timeout_queues_to_a_person():
    d = demo_directory()
    slow = d.lookup_caller
    d.lookup_caller = lambda number: (time.sleep(0.3), slow(number))[1]
    guarded = GuardedDirectory(d, timeout=0.02)
    try:
        outcome, ch, _ = run(["1"], directory=guarded)
    finally:
        guarded.close()
    assert ch.variables["CC_INTENT"] == "agent" and "timed out" in outcome.fault


def test_outage_during_ticket_lookup_keeps_the_path_and_queues():
    d = demo_directory()
    d.ticket_status = lambda number: (_ for _ in ()).throw(TimeoutError("slow db"))
    _, ch, _ = run(["4", "20261127001"], directory=d)
    assert (ch.variables["CC_INTENT"], ch.variables["CC_IVR_PATH"]) == ("agent", "4")


def test_bug_in_a_node_still_queues_the_caller(monkeypatch):
    monkeypatch.setitem(nodes.ENTER, "say", lambda *a: 1 / 0)
    outcome, ch, _ = run(["1"])
    assert ch.variables["CC_QUEUE"] == "hotline" and "ZeroDivisionError" in outcome.fault


def test_caller_hangup_in_the_menu_is_recorded_and_sets_nothing():
    outcome, ch, _ = run(["1"], hangup_on_read=0)
    assert outcome.ended == "caller_hangup" and outcome.node == "main"
    assert not ch.variables


def test_survey_records_the_score_for_the_ticket_and_linkedid():
    outcome, ch, d = run(["5"], menu=SURVEY, ticket="20261127001")
    assert d.surveys == [("20261127001", "L1", 5)]
    assert ch.log[-1] == ("hangup",) and "survey_thanks" in ch.played()


def test_survey_rejects_keys_outside_1_to_5():
    _, ch, d = run(["0", "7", "3"], menu=SURVEY)
    assert d.surveys == [(None, "L1", 3)] and ch.played().count("survey_invalid") == 2


def test_survey_silence_ends_politely_without_a_score():
    _, ch, d = run([], menu=SURVEY)
    assert d.surveys == [] and "survey_bye" in ch.played()


def test_survey_store_failure_hangs_up_instead_of_requeueing():
    d = demo_directory()
    d.record_survey = lambda *a: (_ for _ in ()).throw(ConnectionError("db down"))
    outcome, ch, _ = run(["4"], menu=SURVEY, directory=d)
    assert outcome.ended == "hangup" and outcome.fault and not ch.variables


def test_state_survives_a_round_trip_through_plain_data():
    engine = Engine(HOTLINE, demo_directory(), clock=lambda: FRIDAY_10)
    step = engine.start(CallInfo("13800138000", "L1"))
    again = engine.resume(State.from_dict(step.state.to_dict()), "3")
    assert again.end.variables["CC_QUEUE"] == "complaint"


def test_workday_answers_are_cached_per_day():
    hours.is_workday.cache_clear()
    day = dt.date(2026, 10, 1)  # 国庆节
    assert not hours.is_workday(day) and not hours.is_workday(day)
    info = hours.is_workday.cache_info()
    assert (info.hits, info.misses) == (1, 1)
