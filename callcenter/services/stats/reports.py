"""Report workbooks and the scheduled-report job (daily / weekly / monthly, e-mailed as XLSX).

The job is idempotent per period: a schedule remembers the start of the last period it
sent, so running the job twice, or after a crash, never mails the same period twice; a
failed send leaves it unsent and records the error, and the next run tries again.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.models import Region, ReportSchedule
from callcenter.models.regions import LEVELS
from callcenter.services.exports import Column, Table, to_xlsx
from callcenter.services.stats import calls as call_stats, tickets as st
from callcenter.services.stats.call_scope import call_scope
from callcenter.services.stats.definitions import definition, label
from callcenter.services.stats.periods import DateRange, local_date

log = logging.getLogger(__name__)
FREQUENCIES = ("daily", "weekly", "monthly")
TICKET_KEYS = ("received", "valid", "response_rate", "resolution_rate", "satisfaction_rate",
               "rating_coverage", "on_time_accept_rate", "on_time_complete_rate", "avg_handle_hours",
               "returns", "reopens", "open_now", "overdue_now", "escalated_now")
RATES = {"response_rate", "resolution_rate", "satisfaction_rate", "rating_coverage",
         "on_time_accept_rate", "on_time_complete_rate", "service_level"}
CALL_KEYS = ("offered", "answered", "abandoned", "abandoned_short", "ivr_only", "service_level",
             "asa", "aht", "max_wait")


class Mailer(Protocol):
    def send(self, to: list[str], subject: str, body: str, filename: str, data: bytes) -> None: ...


class ReportError(ValueError):
    code = "invalid_report"


def period_for(frequency: str, now: datetime) -> DateRange:
    """The last complete day, week (Monday–Sunday) or month before `now` (Shanghai)."""
    today = local_date(now)
    if frequency == "daily":
        d = today - timedelta(days=1)
        return DateRange(d, d)
    if frequency == "weekly":
        monday = today - timedelta(days=today.weekday())
        return DateRange(monday - timedelta(days=7), monday - timedelta(days=1))
    if frequency == "monthly":
        end = today.replace(day=1) - timedelta(days=1)
        return DateRange(end.replace(day=1), end)
    raise ReportError(f"frequency must be one of {', '.join(FREQUENCIES)}")


def _figure_table(title: str, keys, figures: dict, lang: str) -> Table:
    cols = [Column("figure", "指标", "Figure"), Column("value", "数值", "Value"),
            Column("definition", "定义", "Definition")]
    rows = [{"figure": label(k, lang), "value": figures.get(k),
             "definition": definition(k, lang)} for k in keys]
    for r, k in zip(rows, keys):
        if k in RATES and isinstance(r["value"], float):
            r["value"] = f"{r['value'] * 100:.2f}%"
    return Table(title, cols, rows)


def workbook_tables(session: Session, region: Region, rng: DateRange, now: datetime,
                    lang: str = "zh") -> list[Table]:
    node = st.Node.of(region)
    tables = [_figure_table("工单概况" if lang == "zh" else "Tickets", TICKET_KEYS,
                            st.summary(session, node, rng, now), lang)]
    child_cols = [Column("name", "区域", "Region"), Column("received", "受理量", "Received", "int"),
                  Column("response_rate", "响应率", "Response rate", "rate"),
                  Column("resolution_rate", "解决率", "Resolution rate", "rate"),
                  Column("satisfaction_rate", "满意率", "Satisfaction rate", "rate")]
    tables.append(Table("下级区域" if lang == "zh" else "Regions", child_cols,
                        st.children(session, node, rng, now)))
    tables.append(Table("分类" if lang == "zh" else "Categories",
                        [Column("name", "分类", "Category"), Column("received", "受理量", "Received", "int")],
                        st.by_category(session, node, rng)))
    tables.append(Table("趋势" if lang == "zh" else "Trend",
                        [Column("period", "日期", "Date"), Column("received", "受理量", "Received", "int"),
                         Column("resolved", "办结量", "Resolved", "int")],
                        st.trend(session, node, rng, "day" if rng.days <= 62 else "month")))
    if LEVELS.index(region.level) <= LEVELS.index("city"):  # the hotline serves the city
        tables.append(_figure_table("话务" if lang == "zh" else "Calls", CALL_KEYS,
                                    call_stats.queue_figures(
                                        session, rng, scope=call_scope(session, region.path)), lang))
    return tables


def build_workbook(session: Session, region: Region, rng: DateRange, now: datetime,
                   lang: str = "zh") -> bytes:
    return to_xlsx(workbook_tables(session, region, rng, now, lang), lang)


def run_due(sessions: sessionmaker[Session], mailer: Mailer, now: datetime) -> dict[str, int]:
    """Send every active schedule's last complete period once; one transaction per schedule."""
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    with sessions() as s:
        ids = s.scalars(select(ReportSchedule.id).where(ReportSchedule.active.is_(True))).all()
    for schedule_id in ids:
        with sessions.begin() as s:
            counts[_run_one(s, s.get(ReportSchedule, schedule_id), mailer, now)] += 1
    return counts


def _run_one(s: Session, sched: ReportSchedule, mailer: Mailer, now: datetime) -> str:
    rng = period_for(sched.frequency, now)
    if sched.last_period is not None and sched.last_period >= rng.start:
        return "skipped"
    region = s.get(Region, sched.region_id)
    data = build_workbook(s, region, rng, now, sched.language)
    span = rng.start.isoformat() if rng.days == 1 else f"{rng.start}_{rng.end}"
    subject = f"{sched.name} {region.name} {span}"
    try:
        mailer.send(list(sched.recipients), subject, _body(sched, region, rng),
                    f"report_{sched.id}_{span}.xlsx", data)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the period unsent for retry
        log.warning("report schedule %s failed: %s", sched.id, type(exc).__name__)
        sched.last_error = f"{type(exc).__name__}: {exc}"[:500]
        return "failed"
    sched.last_period, sched.last_error = rng.start, ""
    log.info("report schedule %s sent for %s", sched.id, rng.start)
    return "sent"


def _body(sched: ReportSchedule, region: Region, rng: DateRange) -> str:
    if sched.language == "en":
        return f"{sched.name}: {region.name}, {rng.start} to {rng.end}. The figures are attached."
    return f"{sched.name}：{region.name}，统计期 {rng.start} 至 {rng.end}，详见附件。"


def add_schedule(s: Session, owner_id: int, region_id: int, name: str, frequency: str,
                 recipients: list[str], language: str = "zh") -> ReportSchedule:
    if frequency not in FREQUENCIES:
        raise ReportError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    if not recipients or any("@" not in r or len(r) > 200 for r in recipients):
        raise ReportError("recipients must be e-mail addresses")
    if not (name or "").strip():
        raise ReportError("a name is required")
    row = ReportSchedule(owner_id=owner_id, region_id=region_id, name=name.strip(),
                         frequency=frequency, recipients=list(recipients), language=language,
                         active=True, last_error="")
    s.add(row)
    s.flush()
    return row


def last_sent(s: Session, schedule_id: int) -> date | None:
    return s.scalar(select(ReportSchedule.last_period).where(ReportSchedule.id == schedule_id))
