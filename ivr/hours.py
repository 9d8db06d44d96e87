"""Business hours on the Chinese working calendar (weekends, holidays, adjusted workdays)."""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_warned_years: set[int] = set()


@lru_cache(maxsize=1024)
def is_workday(day: dt.date) -> bool:
    """Say whether `day` is a working day; outside the calendar's years, Mon–Fri.

    Cached: the calendar is fixed for the installed chinese_calendar, and every call asks.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar has no data for %d: treating only weekends as days off",
                        day.year)
        return day.weekday() < 5


def parse_clock(text: str) -> dt.time:
    """Parse "HH:MM" into a time; raise ValueError otherwise."""
    hours, _, minutes = str(text).partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"expected HH:MM, got {text!r}")
    return dt.time(int(hours), int(minutes))


def is_open(now: dt.datetime, opens: dt.time, closes: dt.time) -> bool:
    """Say whether the hotline's staffed hours include `now` (aware; judged in Asia/Shanghai)."""
    local = now.astimezone(SHANGHAI)
    return is_workday(local.date()) and opens <= local.time().replace(tzinfo=None) < closes
