"""The partner portals: merchants (mobile-first) under /portal/m, departments under /portal/d.

Both list their jobs by bucket and act on one job; which actions a page offers follows
the role (a merchant accepts / declines / marks done, a department signs for / returns
with its basis / asks for more time / replies with the result and attachments).
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from agent_ui.portal.common import actor, kick, messaging, on_ticket_error, write, parse_day
from agent_ui.portal.strings import t
from agent_ui.web import container, db, login_required
from callcenter.domain.tickets import TicketError
from callcenter.services import partner_actions as actions
from callcenter.services.attachments import Upload
from callcenter.services.partner_views import job_view, notices_for, pending_extension
from callcenter.services.tickets import get_ticket


def make_blueprint(name: str, role: str, detail_path: str) -> Blueprint:
    bp = Blueprint(name, __name__)
    bp.register_error_handler(TicketError, on_ticket_error)
    guard = login_required(role)
    kind = "m" if role == "merchant" else "d"

    @bp.get("/")
    @guard
    def jobs():
        bucket = request.args.get("bucket", "new")
        rows = actions.partner_jobs(db(), actor(), bucket)
        return render_template("portal/jobs.html", t=t, kind=kind, bucket=bucket,
                               buckets=actions.BUCKETS, jobs=[job_view(x) for x in rows],
                               notices=notices_for(db(), actor()))

    @bp.get(f"/{detail_path}/<number>")
    @guard
    def job(number: str):
        ticket = get_ticket(db(), actor(), number)
        return render_template("portal/job.html", t=t, kind=kind, job=job_view(ticket),
                               pending=pending_extension(db(), ticket.id),
                               saved=request.args.get("saved"))

    @bp.post(f"/{detail_path}/<number>/accept")
    @guard
    def accept(number: str):
        with write():
            actions.accept(db(), actor(), number, messaging(), events=container().events)
        return _done(number)

    @bp.post(f"/{detail_path}/<number>/return")
    @guard
    def give_back(number: str):
        with write():
            actions.return_job(db(), actor(), number, request.form.get("reason", ""),
                               request.form.get("basis", ""), events=container().events)
        return redirect(url_for(f"{name}.jobs", bucket="returned"))

    @bp.post(f"/{detail_path}/<number>/reply")
    @guard
    def reply(number: str):
        uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("files")
                   if f.filename]
        with write():
            actions.reply(db(), actor(), number, request.form.get("result", ""), uploads,
                          messaging(), container().settings.instance_path,
                          events=container().events)
        return _done(number)

    @bp.post(f"/{detail_path}/<number>/extension")
    @guard
    def extension(number: str):
        when = parse_day(request.form.get("deadline"))
        with write():
            actions.request_extension(db(), actor(), number, when, request.form.get("reason", ""))
        return _done(number)

    def _done(number: str):
        kick()
        return redirect(url_for(f"{name}.job", number=number, saved=1))

    return bp


merchant_bp = make_blueprint("merchant_portal", "merchant", "jobs")
department_bp = make_blueprint("department_portal", "department", "tickets")
