"""Scheduled reports: the job mails each period's XLSX once over real SMTP (aiosmtpd)."""
from __future__ import annotations

import email
import io
from datetime import date, datetime

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

import stats_dataset as dataset
from callcenter.domain.calendar import SHANGHAI
from callcenter.services.stats import reports
from callcenter.services.stats.mailer import SmtpReportMailer
from servers import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, SmtpReportMailer(host="127.0.0.1", port=port, sender="report@hotline.test")
    controller.stop()


def test_periods_are_the_last_complete_day_week_and_month():
    now = datetime(2025, 10, 15, 1, 0, tzinfo=SHANGHAI)   # a Wednesday
    assert reports.period_for("daily", now) == reports.DateRange(date(2025, 10, 14), date(2025, 10, 14))
    assert reports.period_for("weekly", now) == reports.DateRange(date(2025, 10, 6), date(2025, 10, 12))
    assert reports.period_for("monthly", now) == reports.DateRange(date(2025, 9, 1), date(2025, 9, 30))
    with pytest.raises(reports.ReportError):
        reports.period_for("hourly", now)


def test_the_monthly_report_is_mailed_once_with_the_figures(container, world, smtp):
    inbox, mailer = smtp
    with container.sessions.begin() as s:
        dataset.build(s, world)
        sid = reports.add_schedule(s, world.users["sup_a"], world.regions["A"], "月报", "monthly",
                                   ["chief@district.test"]).id
    now = datetime(2025, 10, 15, 8, tzinfo=SHANGHAI)
    assert reports.run_due(container.sessions, mailer, now) == {"sent": 1, "skipped": 0, "failed": 0}
    assert reports.run_due(container.sessions, mailer, now) == {"sent": 0, "skipped": 1, "failed": 0}
    (to, msg), = inbox.messages
    assert to == ["chief@district.test"] and "月报" in str(email.header.make_header(
        email.header.decode_header(msg["Subject"])))
    part = next(p for p in msg.walk() if p.get_filename())
    wb = load_workbook(io.BytesIO(part.get_payload(decode=True)))
    assert wb.sheetnames[:2] == ["工单概况", "下级区域"]
    figures = {r[0].value: r[1].value for r in wb["工单概况"].iter_rows(min_row=2)}
    assert figures["受理量"] == 4 and figures["响应率"] == "50.00%"   # September: T1 T2 T5 T6
    with container.sessions() as s:
        assert reports.last_sent(s, sid) == date(2025, 9, 1)


def test_a_failed_send_is_recorded_and_retried_next_run(container, world, smtp):
    inbox, mailer = smtp
    with container.sessions.begin() as s:
        sid = reports.add_schedule(s, world.users["admin"], world.regions["city"], "日报", "daily",
                                   ["ops@city.test"]).id
    dead = SmtpReportMailer(host="127.0.0.1", port=free_port(), timeout=2)
    now = datetime(2025, 10, 15, 8, tzinfo=SHANGHAI)
    assert reports.run_due(container.sessions, dead, now)["failed"] == 1
    with container.sessions() as s:
        assert reports.last_sent(s, sid) is None
    assert reports.run_due(container.sessions, mailer, now)["sent"] == 1
    assert len(inbox.messages) == 1


def test_bad_schedules_are_refused(container, world):
    with container.sessions.begin() as s:
        for freq, to in (("hourly", ["a@b.c"]), ("daily", ["not-an-address"]), ("daily", [])):
            with pytest.raises(reports.ReportError):
                reports.add_schedule(s, world.users["admin"], world.regions["city"], "x", freq, to)
