"""Resident pages. Every view checks role (login_required) and region scope (the services)."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from agent_ui.residents.common import actor, form_errors, handle_service_errors
from agent_ui.residents.forms import PostForm, ResidentForm, RevealForm
from agent_ui.web import container, current_user, db, login_required, transaction
from callcenter.domain.resident_rows import parse_row
from callcenter.domain.tickets import ValidationError
from callcenter.models.residents import TAGS
from callcenter.services import residents as svc
from callcenter.services.resident_calls import resident_calls
from callcenter.services.resident_export import export_residents
from callcenter.services.resident_files import write_rows
from callcenter.services.resident_search import recent_residents, search_residents

bp = Blueprint("residents", __name__)
handle_service_errors(bp)
READERS = ("agent", "supervisor", "admin")
EDITORS = ("supervisor", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@login_required(*READERS)
def index():
    q = request.args.get("q", "").strip()[:100]
    rows = search_residents(db(), actor(), q, 50) if q else recent_residents(db(), actor(), 50)
    return render_template("residents/index.html", rows=rows, q=q)


@bp.get("/<int:resident_id>")
@login_required(*READERS)
def show(resident_id: int):
    return _show(resident_id, {})


def _show(resident_id: int, revealed: dict, status: int = 200):
    me = actor()
    resident = svc.get_resident(db(), me, resident_id)
    return render_template(
        "residents/show.html", r=svc.resident_view(resident, me), revealed=revealed,
        household=svc.household(db(), me, resident), tickets=svc.recent_tickets(db(), resident.id),
        calls=_calls(me, resident),
        can_reveal={f: f in svc.privacy.REVEAL and me.role in svc.privacy.REVEAL[f]
                    for f in ("phone", "id_number")},
        reveal_form=RevealForm(), post_form=PostForm()), status


def _calls(me, resident):
    """The call history, with a recording link where /console/recordings would serve it."""
    from agent_ui.console.common import ConsoleError, desk_extension, queue_directory
    user = current_user()
    try:
        ext = desk_extension(user)
    except ConsoleError:  # another agent's phone: not this user's answered calls
        ext = None
    queues = [q.name for q in queue_directory().visible_to(db(), user.region.path)]
    return resident_calls(db(), me, resident, recordings_root=container().settings.recordings_path,
                          extension=ext, queues=queues)


@bp.post("/<int:resident_id>/reveal")
@login_required(*READERS)
def reveal(resident_id: int):
    form = RevealForm()
    if not form.validate_on_submit() or form.field.data not in ("phone", "id_number"):
        return ("bad request", 400)
    phone_id = int(form.phone_id.data) if (form.phone_id.data or "").isdigit() else None
    with transaction():
        value = svc.reveal(db(), actor(), resident_id, form.field.data, phone_id)
    return _show(resident_id, {(form.field.data, phone_id): value})


@bp.route("/new", methods=["GET", "POST"])
@login_required(*EDITORS)
def new():
    return _edit(None)


@bp.route("/<int:resident_id>/edit", methods=["GET", "POST"])
@login_required(*EDITORS)
def edit(resident_id: int):
    return _edit(resident_id)


def _edit(resident_id: int | None):
    me = actor()
    resident = svc.get_resident(db(), me, resident_id) if resident_id else None
    form = ResidentForm(data=_form_data(resident) if resident and request.method == "GET" else None)
    error = None
    if form.validate_on_submit():
        try:
            with transaction():
                saved = _save(form, me, resident)
            return redirect(url_for("residents.show", resident_id=saved.id))
        except ValidationError as exc:
            error = exc.message
    elif request.method == "POST":
        error = form_errors(form)
    return render_template("residents/edit.html", form=form, resident=resident,
                           error=error), 400 if error else 200


def _save(form: ResidentForm, me, resident):
    values = {k: getattr(form, k).data for k in ("name", "birth_date", "id_number", "phones",
                                                  "address", "grid_code", "gender")}
    values["tags"] = ";".join(form.tags.data or [])
    record, errors = parse_row(0, values, TAGS)
    if errors:
        raise ValidationError("；".join(f"{e.field}: {e.reason}" for e in errors), errors[0].field)
    return svc.save_record(db(), me, record, resident, notes=form.notes.data,
                           language=form.language.data)


def _form_data(resident) -> dict:
    from callcenter.domain.phones import national
    return {"name": resident.name, "gender": {"M": "男", "F": "女"}.get(resident.gender or "", ""),
            "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
            "id_number": resident.id_number or "", "address": resident.address,
            "phones": ";".join(national(p.e164) for p in resident.phones),
            "grid_code": resident.region.code, "tags": resident.tag_names,
            "language": resident.language, "notes": resident.notes}


@bp.post("/<int:resident_id>/delete")
@login_required(*EDITORS)
def delete(resident_id: int):
    if not PostForm().validate_on_submit():
        return ("bad request", 400)
    with transaction():
        svc.delete_resident(db(), actor(), resident_id)
    return redirect(url_for("residents.index"))


@bp.get("/export")
@login_required(*EDITORS)
def export():
    fmt = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    with transaction():
        data = export_residents(db(), actor(), fmt)
    return _download(data, f"居民信息.{fmt}", fmt)


@bp.get("/template")
@login_required(*EDITORS)
def template():
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    return _download(write_rows([], fmt), f"居民导入模板.{fmt}", fmt)


def _download(data: bytes, name: str, fmt: str) -> Response:
    from urllib.parse import quote
    return Response(data, mimetype=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


import agent_ui.residents.imports  # noqa: E402,F401 - the import pages join this blueprint
