"""The audit log for administrators: who read which resident record, who changed what."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, render_template, request, url_for

from agent_ui.i18n import translate
from agent_ui.web import current_user, db, login_required, transaction
from callcenter.services import audit as audit_log
from callcenter.services.accounts import actor_for
from callcenter.services.audit_view import AuditFilter, export_csv, search

bp = Blueprint("audit", __name__)


class BadFilter(Exception):
    pass


def _filter(args) -> AuditFilter:
    def date(name):
        value = args.get(name) or None
        try:
            return datetime.strptime(value, "%Y-%m-%d") if value else None
        except ValueError:
            raise BadFilter(name) from None

    def integer(name, default=None, low=1, high=10**9):
        value = args.get(name) or None
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            raise BadFilter(name)
        return int(value)
    return AuditFilter(username=args.get("user") or None, action=args.get("action") or None,
                       record_type=args.get("record_type") or None,
                       record_id=integer("record_id"), since=date("since"), until=date("until"),
                       page=integer("page", 1, high=100_000))


@bp.get("/admin/audit/search")
@login_required("admin")
def index():
    try:
        f = _filter(request.args)
    except BadFilter as exc:
        return render_template("ops/audit.html", rows=[], more=False, f=AuditFilter(),
                               next_url=None,
                               error=translate("audit.bad_filter", field=str(exc))), 400
    rows = search(db(), actor_for(current_user()), f)
    next_url = url_for("audit.index", **{**request.args.to_dict(), "page": f.page + 1})
    return render_template("ops/audit.html", rows=rows[:f.per_page], more=len(rows) > f.per_page,
                           f=f, next_url=next_url, error=None)


@bp.get("/admin/audit/export.csv")
@login_required("admin")
def export():
    try:
        f = _filter(request.args)
    except BadFilter as exc:
        return {"error": {"code": "invalid", "message": f"bad filter {exc}"}}, 400
    actor = actor_for(current_user())
    with transaction() as s:
        body = export_csv(s, actor, f)
        audit_log.record(s, actor, "export", "audit_log", None,
                         **{k: str(v) for k, v in vars(f).items() if v is not None})
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=audit-log.csv",
        "Cache-Control": "no-store"})
