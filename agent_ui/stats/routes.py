"""Statistics pages: dashboard per role and level, drill-down, calls, residents, custom
queries, exports and printable pages (templates under templates/stats/)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request

from agent_ui.i18n import current_language
from agent_ui.stats import views
from agent_ui.web import current_user, db, login_required, transaction
from callcenter.services import custom_queries as cq
from callcenter.services.accounts import actor_for
from callcenter.services.exports import Column, ExportError, Table, export

bp = Blueprint("stats", __name__, url_prefix="/stats")
STAFF = ("agent", "supervisor", "admin")


@bp.get("/")
@login_required(*STAFF)
def dashboard():
    page = views.dashboard(db(), current_user(), current_language())
    template = "stats/print.html" if request.args.get("print") else "stats/dashboard.html"
    return render_template(template, **page)


@bp.get("/drill")
@login_required(*STAFF)
def drill():
    return render_template("stats/drill.html", **views.drill_page(db(), current_user()))


@bp.get("/calls")
@login_required("supervisor", "admin")
def calls():
    return render_template("stats/calls.html", **views.calls_page(db(), current_user()))


@bp.get("/residents")
@login_required("supervisor", "admin")
def residents():
    return render_template("stats/residents.html", **views.residents_page(db(), current_user()))


@bp.get("/export/<which>.<fmt>")
@login_required(*STAFF)
def export_file(which: str, fmt: str):
    table = views.export_table(db(), current_user(), which, current_language())
    return _download(table, fmt)


@bp.route("/queries", methods=["GET", "POST"])
@login_required(*STAFF)
def queries():
    from agent_ui.console.common import queue_directory
    user, result, error = current_user(), None, None
    subject, spec = _spec_from_request()
    if spec is not None:
        try:
            result = cq.run(db(), actor_for(user), subject, spec, directory=queue_directory())
            if request.form.get("action") == "save":
                with transaction() as s:
                    cq.save(s, user, request.form.get("name", ""), subject, spec,
                            request.form.getlist("shared_roles"))
        except cq.QueryError as exc:
            error = exc.message
    if result and request.args.get("format"):
        return _download(Table("自定义查询", [Column(c, c) for c in result[0]],
                               [dict(zip(result[0], r)) for r in result[1]]), request.args["format"])
    return render_template("stats/queries.html", subject=subject, spec=spec, result=result, error=error,
                           saved=cq.visible(db(), user), fields=cq.fields_of(subject),
                           fields_json={n: [f.kind, f.zh, f.en] for n, f in cq.fields_of(subject).items()},
                           operators=cq.OPERATORS, subjects=list(cq.SUBJECTS)), 400 if error else 200


def _spec_from_request():
    """A spec from the builder form (POST), a saved query (?saved=id) or a link (?spec=…)."""
    source = request.form if request.method == "POST" else request.args
    subject = source.get("subject", "tickets")
    if subject not in cq.SUBJECTS:
        abort(400, "unknown subject")
    saved_id = request.args.get("saved", type=int)
    if saved_id:
        q = next((q for q in cq.visible(db(), current_user()) if q.id == saved_id), None)
        if q is None:
            abort(404)
        return q.subject, q.spec
    raw = source.get("spec")
    if not raw:
        return subject, None
    try:
        return subject, json.loads(raw)
    except ValueError:
        abort(400, "the query spec is not valid JSON")


def _download(table: Table, fmt: str) -> Response:
    try:
        data, mime = export(table, fmt, current_language())
    except ExportError as exc:
        abort(400, exc.args[0])
    name = f"stats.{fmt}"
    return Response(data, mimetype=mime.split(";")[0], headers={
        "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{_quote(table.title)}.{fmt}"})


def _quote(text: str) -> str:
    from urllib.parse import quote
    return quote(text, safe="")

