"""Deadlines on the Chinese working calendar, with real dates."""
from __future__ import annotations

import logging
from datetime import datetime

from callcenter.domain.calendar import SHANGHAI, WorkingCalendar
from callcenter.domain.deadlines import (
    acceptance_deadline, completion_deadline, is_overdue, policy_for)

cal = WorkingCalendar()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_three_working_days_across_national_day_end_on_the_adjusted_saturday():
    # 2025-10-01..08 are holidays; Saturday 10-11 is an adjusted working day.
    due = completion_deadline(at(2025, 9, 30, 10), "help", "normal", policy_for({}, "help"), cal)
    assert due == at(2025, 10, 11, 23, 59, 59)


def test_the_sunday_before_national_day_is_a_working_day():
    assert cal.is_workday(at(2025, 9, 28).date())
    assert not cal.is_workday(at(2025, 10, 4).date())


def test_complaints_get_thirteen_working_days():
    due = completion_deadline(at(2025, 9, 30, 10), "complaint", "normal",
                              policy_for({}, "complaint"), cal)
    # 10-09 Thu(1) 10 Fri(2) 11 Sat(3) 13..17 (4-8) 20..24 (9-13)
    assert due == at(2025, 10, 24, 23, 59, 59)


def test_urgent_tickets_are_due_the_same_working_day():
    assert completion_deadline(at(2025, 9, 30, 8), "help", "urgent", policy_for({}, "help"), cal) \
        == at(2025, 9, 30, 23, 59, 59)


def test_urgent_ticket_opened_on_a_holiday_is_due_on_the_next_working_day():
    assert completion_deadline(at(2025, 10, 3, 9), "help", "urgent", policy_for({}, "help"), cal) \
        == at(2025, 10, 9, 23, 59, 59)


def test_acceptance_within_two_working_hours_skips_lunch_night_and_holiday():
    assert acceptance_deadline(at(2025, 9, 30, 11, 0), policy_for({}, "help"), cal) == \
        at(2025, 9, 30, 14, 30)
    assert acceptance_deadline(at(2025, 9, 30, 16, 30), policy_for({}, "help"), cal) == \
        at(2025, 10, 9, 10, 0)


def test_category_policy_overrides_the_default_per_type():
    policy = {"default": {"complete_days": 5}, "complaint": {"complete_days": 10, "accept_hours": 1}}
    assert policy_for(policy, "help").complete_days == 5
    assert policy_for(policy, "complaint").complete_days == 10
    assert policy_for(policy, "complaint").accept_hours == 1


def test_years_without_calendar_data_fall_back_to_weekends_and_warn_once(caplog):
    fresh = WorkingCalendar()
    with caplog.at_level(logging.WARNING):
        assert fresh.is_workday(at(2031, 3, 3).date())       # a Monday
        assert not fresh.is_workday(at(2031, 3, 1).date())   # a Saturday
        fresh.is_workday(at(2031, 3, 4).date())
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1


def test_overdue_is_computed_from_the_deadlines_and_state():
    due = at(2025, 10, 11, 23, 59, 59)
    assert is_overdue("accepted", at(2025, 10, 12), None, due)
    assert not is_overdue("resolved", at(2025, 10, 12), None, due)
    assert is_overdue("dispatched", at(2025, 10, 9, 11), at(2025, 10, 9, 10), due)
    assert not is_overdue("open", at(2025, 10, 11, 12), None, due)


def test_working_seconds_between_counts_only_office_hours():
    assert cal.working_seconds_between(at(2025, 9, 30, 16, 30), at(2025, 10, 9, 10)) == 2 * 3600
    assert cal.working_seconds_between(at(2025, 9, 30, 11), at(2025, 10, 9, 10)) == 6 * 3600
