"""The agents' fax work list: read the pages (zoom, rotate), then turn the fax into a
proper ticket (type, category, resident, what it asks)."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from agent_ui.web import container, current_user, db, login_required, transaction
from callcenter.domain.tickets import TYPES, TicketError
from callcenter.models import Attachment, Category
from callcenter.services import fax as faxes
from callcenter.services.accounts import actor_for
from callcenter.services.attachments import read_bytes

bp = Blueprint("fax", __name__)
STAFF = ("agent", "supervisor", "admin")


@bp.get("/")
@login_required(*STAFF)
def worklist():
    actor = actor_for(current_user())
    return render_template("fax/worklist.html", waiting=faxes.worklist(db(), actor),
                           done=faxes.worklist(db(), actor, converted=True, limit=30),
                           saved=request.args.get("saved"))


@bp.route("/<int:fax_id>", methods=["GET", "POST"])
@login_required(*STAFF)
def detail(fax_id: int):
    actor, error = actor_for(current_user()), None
    fax = _or_404(lambda: faxes.get_fax(db(), actor, fax_id))
    if request.method == "POST":
        try:
            with transaction() as s:
                faxes.convert(s, actor, fax_id, _conversion(request.form), events=container().events)
            return redirect(url_for("fax.worklist", saved=fax.ticket.number))
        except (TicketError, ValueError) as exc:
            error = getattr(exc, "message", "输入有误")
    return render_template("fax/detail.html", fax=fax, error=error, types=TYPES,
                           categories=db().scalars(select(Category).where(
                               Category.active.is_(True)).order_by(Category.path)).all()), \
        (400 if error else 200)


@bp.get("/<int:fax_id>/files/<int:attachment_id>")
@login_required(*STAFF)
def file(fax_id: int, attachment_id: int):
    fax = _or_404(lambda: faxes.get_fax(db(), actor_for(current_user()), fax_id))
    row = db().get(Attachment, attachment_id)
    if row is None or row.ticket_id != fax.ticket_id:
        abort(404)
    data = _or_404(lambda: read_bytes(container().settings.instance_path, row.sha256))
    return send_file(BytesIO(data), mimetype=row.mime_type, download_name=row.filename,
                     as_attachment=row.mime_type not in ("image/png", "application/pdf"))


def _conversion(form) -> faxes.FaxConversion:
    number = lambda name: int(form[name]) if form.get(name, "").strip() else None  # noqa: E731
    return faxes.FaxConversion(type=form.get("type", ""), description=form.get("description", ""),
                               category_id=number("category_id"), resident_id=number("resident_id"),
                               address=form.get("address", ""), priority=form.get("priority", "normal"))


def _or_404(load):
    try:
        return load()
    except TicketError:
        abort(404)
