"""Statistics: summary tables kept exactly current by the store, saved queries, report schedules.

Summaries are keyed by the *rollup path*: the path of the ticket's street (街道) ancestor,
or the ticket's own region path when it sits above street level. A district or city figure
is then a range scan on that path; anything below a street reads the base tables.
`grain` is "d" (period = the local day) or "m" (period = the first day of the local month);
"D" and "M" are the same periods summed per *area path* (the district ancestor, or the
region itself above district level) in the `rollup_path` column: a tenth of the rows, for
a city's or a district's own figures.
See docs/stats.md for every measure's definition and how the rows stay exact.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint,
    text)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, JSONType, PathString, UTCDateTime, utcnow
from callcenter.models.calls import CallRecord
from callcenter.models.tickets import Ticket

OPEN_STATUSES = ("open", "dispatched", "accepted", "returned")

STREET_GRAINS = ("d", "m")
AREA_GRAINS = ("D", "M")

# The measures each ticket contributes to its (period, rollup path, type, status) row.
TICKET_MEASURES = ("n", "responded_on_time", "accepted", "accepted_on_time", "resolved",
                   "resolved_on_time", "handle_seconds", "rated", "satisfied", "escalated")


class RegionRollup(Base):
    """Region path → rollup path (its street ancestor's path, or itself above street level)
    and area path (its district ancestor's path, or itself above district level)."""

    __tablename__ = "stats_region_rollups"

    region_path: Mapped[str] = mapped_column(PathString, primary_key=True)
    rollup_path: Mapped[str] = mapped_column(PathString)
    area_path: Mapped[str] = mapped_column(PathString)


class TicketPeriod(Base):
    """Tickets received per period × rollup path × type × current status, with their measures."""

    __tablename__ = "stats_ticket_periods"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    rollup_path: Mapped[str] = mapped_column(PathString, primary_key=True)
    type: Mapped[str] = mapped_column(String(12), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    responded_on_time: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    accepted_on_time: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    handle_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)


class TicketDimension(Base):
    """Tickets received per period × rollup path × one breakdown (channel, category, target)."""

    __tablename__ = "stats_ticket_dimensions"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    rollup_path: Mapped[str] = mapped_column(PathString, primary_key=True)
    dim: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class TicketActionCount(Base):
    """Timeline actions (return 退单, reopen 重办 …) per local day of the action × rollup path."""

    __tablename__ = "stats_ticket_actions"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    rollup_path: Mapped[str] = mapped_column(PathString, primary_key=True)
    action: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


# "No deadline" in the open-stock rows: a day after every real one, so never overdue.
NEVER = date(9999, 12, 31)


class TicketOpenStock(Base):
    """Open tickets now per local day received × rollup path × the local day each deadline
    that can make them overdue falls on (NEVER when none) × escalated: "open / overdue /
    escalated now" sum these, and read the base tables only for deadlines falling today."""

    __tablename__ = "stats_ticket_open_stock"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    rollup_path: Mapped[str] = mapped_column(PathString, primary_key=True)
    accept_day: Mapped[date] = mapped_column(Date, primary_key=True)
    complete_day: Mapped[date] = mapped_column(Date, primary_key=True)
    escalated: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class CallHour(Base):
    """Calls per local day × hour offered × queue, with the queue KPIs' numerators."""

    __tablename__ = "stats_call_hours"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_short: Mapped[int] = mapped_column(Integer, default=0)
    ivr_only: Mapped[int] = mapped_column(Integer, default=0)
    other: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    wait_answered_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    talk_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    max_wait_seconds: Mapped[int] = mapped_column(Integer, default=0)


class SavedQuery(Base):
    """A user-defined query (自定义查询): a whitelisted spec, never SQL."""

    __tablename__ = "stats_saved_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict] = mapped_column(JSONType, default=dict)
    shared_roles: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_stats_saved_queries_owner_name"),)


class ReportSchedule(Base):
    """A report built and e-mailed as XLSX every day, week or month."""

    __tablename__ = "stats_report_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    frequency: Mapped[str] = mapped_column(String(8))  # daily | weekly | monthly
    recipients: Mapped[list] = mapped_column(JSONType, default=list)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    # The start of the last period sent: a run never sends the same period twice.
    last_period: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Open tickets below street level ("open / overdue / escalated now" of a street's children)
# read this partial index; on PostgreSQL it carries every column those figures test.
_OPEN = "status IN ('open', 'dispatched', 'accepted', 'returned')"
# Open tickets whose deadline falls today are counted from the tickets (the stock rows cannot
# tell before from after `now` within a day): a range on each deadline finds just those.
_DISPATCHED = "status = 'dispatched'"
Index("ix_tickets_open_complete_deadline", Ticket.complete_deadline,
      postgresql_where=text(_OPEN), sqlite_where=text(_OPEN))
Index("ix_tickets_dispatched_accept_deadline", Ticket.accept_deadline,
      postgresql_where=text(_DISPATCHED), sqlite_where=text(_DISPATCHED))
Index("ix_tickets_open_region_deadline", Ticket.region_path, Ticket.complete_deadline,
      postgresql_where=text(_OPEN), sqlite_where=text(_OPEN),
      postgresql_include=["status", "accept_deadline", "escalation_level", "created_at"])

# A district's or street's summary rows: its rollup paths first, then the period range
# (the primary keys put the period first, which suits the whole city).
Index("ix_stats_ticket_periods_region", TicketPeriod.grain, TicketPeriod.rollup_path,
      TicketPeriod.period, TicketPeriod.type, TicketPeriod.status)
Index("ix_stats_ticket_dimensions_region", TicketDimension.grain, TicketDimension.dim,
      TicketDimension.rollup_path, TicketDimension.period, TicketDimension.value)

# Call KPIs by hour recount one hour of calls at a time: that needs calls by start time.
Index("ix_call_records_started_at", CallRecord.started_at)
