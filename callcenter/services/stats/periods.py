"""Date ranges in Asia/Shanghai: today, any range, buckets, and the periods to compare with.

Every statistic counts local days: a ticket belongs to the Shanghai date it was received,
a call to the Shanghai date and hour it was offered.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUCKETS = ("day", "week", "month")


class PeriodError(ValueError):
    code = "invalid_period"


@dataclass(frozen=True)
class DateRange:
    """Inclusive local dates [start, end]."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("the end date is before the start date")
        if (self.end - self.start).days > 3660:
            raise PeriodError("a range may span at most ten years")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[from, to) in UTC: local midnight of the first day to local midnight after the last."""
        lo = datetime.combine(self.start, time(0), SHANGHAI).astimezone(timezone.utc)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), SHANGHAI)
        return lo, hi.astimezone(timezone.utc)

    def previous(self) -> "DateRange":
        """The period of the same length just before (环比)."""
        return DateRange(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def last_year(self) -> "DateRange":
        """The same dates a year earlier (同比); 29 February falls back to the 28th."""
        return DateRange(_year_back(self.start), _year_back(self.end))

    def split_months(self) -> tuple[list[date], list["DateRange"]]:
        """Whole calendar months inside the range, and the leftover day ranges at either edge."""
        first = self.start if self.start.day == 1 else _next_month(self.start)
        months, cursor = [], first
        while _next_month(cursor) - timedelta(days=1) <= self.end:
            months.append(cursor)
            cursor = _next_month(cursor)
        if not months:
            return [], [self]
        edges = []
        if self.start < months[0]:
            edges.append(DateRange(self.start, months[0] - timedelta(days=1)))
        if cursor <= self.end:
            edges.append(DateRange(cursor, self.end))
        return months, edges


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def today(now: datetime) -> DateRange:
    d = local_date(now)
    return DateRange(d, d)


def last_days(now: datetime, n: int) -> DateRange:
    end = local_date(now)
    return DateRange(end - timedelta(days=n - 1), end)


def parse_range(start: str | None, end: str | None, now: datetime, default_days: int = 30) -> DateRange:
    """Read ISO dates from a form or query string; missing ones default to the last N days."""
    if not start and not end:
        return last_days(now, default_days)
    try:
        lo = date.fromisoformat(start) if start else None
        hi = date.fromisoformat(end) if end else local_date(now)
    except ValueError:
        raise PeriodError("dates must look like 2024-05-31") from None
    return DateRange(lo or hi, hi)


def bucket_of(day: date, bucket: str) -> date:
    """The first day of the bucket holding `day` (weeks start on Monday)."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise PeriodError(f"bucket must be one of {', '.join(BUCKETS)}")


def buckets(rng: DateRange, bucket: str) -> list[date]:
    """Every bucket start touching the range, so trend lines show empty periods as zero."""
    out, day = [], rng.start
    while day <= rng.end:
        b = bucket_of(day, bucket)
        if not out or out[-1] != b:
            out.append(b)
        day += timedelta(days=1)
    return out


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
