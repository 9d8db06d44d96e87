"""The Chinese working calendar: weekends, public holidays and adjusted working days (调休).

Deadlines count working time on it: day limits from the next working day, hour limits
inside office hours. Years the `chinese_calendar` package does not cover fall back to
weekends only, with one warning per year.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class OfficeHours:
    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


class WorkingCalendar:
    def __init__(self, hours: OfficeHours = OfficeHours(), tz: ZoneInfo = SHANGHAI):
        self.hours = hours
        self.tz = tz
        self._warned: set[int] = set()

    def is_workday(self, day: date) -> bool:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning("holiday calendar has no data for %d: counting weekends only", day.year)
            return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, time(23, 59, 59), self.tz)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Due at the end of the N-th working day after the day of `start`."""
        day = start.astimezone(self.tz).date()
        for _ in range(days):
            day = self.next_workday(day)
        return self.end_of_day(day)

    def end_of_working_day(self, start: datetime) -> datetime:
        """Same-day limit: today if it is a working day, else the next one."""
        day = start.astimezone(self.tz).date()
        if not self.is_workday(day):
            day = self.next_workday(day)
        return self.end_of_day(day)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Add office-hours time: nights, weekends and holidays do not count."""
        remaining = timedelta(hours=hours)
        local = start.astimezone(self.tz)
        day = local.date()
        if remaining <= timedelta(0):
            return local
        while True:
            if self.is_workday(day):
                for begin, end in self.hours.periods:
                    lo = datetime.combine(day, begin, self.tz)
                    hi = datetime.combine(day, end, self.tz)
                    lo = max(lo, local)
                    if lo >= hi:
                        continue
                    if lo + remaining <= hi:
                        return lo + remaining
                    remaining -= hi - lo
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), self.tz)

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office-hours seconds from start to end (0 if end is earlier)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            if self.is_workday(day):
                for begin, stop in self.hours.periods:
                    lo = max(datetime.combine(day, begin, self.tz), start)
                    hi = min(datetime.combine(day, stop, self.tz), end)
                    if hi > lo:
                        total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total


DEFAULT_CALENDAR = WorkingCalendar()
