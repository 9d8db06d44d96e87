"""社区门户: a public page per street and community, and its admin's editing page."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for

from agent_ui.web import current_user, db, login_required, transaction
from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import TicketError
from callcenter.services import announcements as notices, catalog
from callcenter.services.accounts import actor_for

bp = Blueprint("community", __name__)


@bp.get("/")
def index():
    return render_template("community/index.html", regions=notices.portal_regions(db()))


@bp.get("/<code>")
def page(code: str):
    region = _region(code)
    items = [i for _c, group in catalog.catalog_tree(db()) for i in group]
    return render_template("community/page.html", region=region,
                           notices=notices.current(db(), region), office=notices.office(db(), region),
                           groups=catalog.catalog_tree(db()),
                           forms=[(i, f) for i in items for f in i.forms],
                           children=notices.portal_regions(db(), region)[1:])


@bp.route("/<code>/manage", methods=["GET", "POST"])
@login_required("admin", "supervisor")
def manage(code: str):
    region, actor, error = _region(code), actor_for(current_user()), None
    if request.method == "POST":
        try:
            with transaction() as s:
                _apply(s, actor, region, request.form)
            return redirect(url_for("community.manage", code=code, saved=1))
        except TicketError as exc:
            error = exc.message
    return render_template("community/manage.html", region=region, error=error,
                           notices=notices.all_for(db(), region),
                           office=notices.office(db(), region), saved=request.args.get("saved")), \
        (400 if error else 200)


def _apply(session, actor, region, form) -> None:
    what = form.get("what")
    if what == "publish":
        notices.publish(session, actor, region, notices.AnnouncementInput(
            form.get("title", ""), form.get("body", ""), _when(form.get("published_at")),
            _when(form.get("expires_at"))))
    elif what == "withdraw":
        notices.withdraw(session, actor, int(form.get("id", "0") or 0))
    elif what == "office":
        notices.save_office(session, actor, region, address=form.get("address", ""),
                            hours=form.get("hours", ""), phone=form.get("phone", ""),
                            intro=form.get("intro", ""))
    else:
        abort(400)


def _when(raw: str | None) -> datetime | None:
    """A datetime-local field, read as Asia/Shanghai."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise TicketError("时间格式不正确", "published_at") from None


def _region(code: str):
    try:
        return notices.portal_region(db(), code)
    except TicketError:
        abort(404)
