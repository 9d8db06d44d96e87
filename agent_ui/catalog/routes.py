"""/guide: the public service guide (no log-in); /catalog: staff edit items and forms."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from agent_ui.catalog.forms import ItemForm, UploadForm
from agent_ui.residents.common import actor, form_errors, handle_service_errors
from agent_ui.residents.forms import PostForm, choices
from agent_ui.web import db, login_required, transaction
from callcenter.domain.tickets import ValidationError
from callcenter.models import ServiceItem
from callcenter.services import catalog as svc

bp = Blueprint("catalog", __name__)
handle_service_errors(bp)
EDITORS = ("supervisor", "admin")


@bp.get("/guide/")
def index():
    q = request.args.get("q", "").strip()[:100]
    hits = svc.search_catalog(db(), q, 20) if q else []
    return render_template("catalog/index.html", q=q, hits=hits,
                           groups=[] if q else svc.catalog_tree(db()))


@bp.get("/guide/<code>")
def guide(code: str):
    return render_template("catalog/guide.html", item=svc.get_item(db(), code))


@bp.get("/guide/<code>/forms/<int:form_id>")
def form_file(code: str, form_id: int):
    form = svc.get_form(db(), code, form_id)
    return send_file(BytesIO(form.content), mimetype=form.mime_type, as_attachment=True,
                     download_name=form.filename)


@bp.get("/catalog/")
@login_required(*EDITORS)
def manage():
    return render_template("catalog/manage.html", post_form=PostForm(),
                           groups=svc.catalog_tree(db(), include_retired=True))


@bp.route("/catalog/new", methods=["GET", "POST"])
@login_required(*EDITORS)
def new():
    return _edit(None)


@bp.route("/catalog/<int:item_id>/edit", methods=["GET", "POST"])
@login_required(*EDITORS)
def edit(item_id: int):
    return _edit(item_id)


def _edit(item_id: int | None):
    item = db().get(ServiceItem, item_id) if item_id else None
    if item_id and item is None:
        return ("not found", 404)
    form = ItemForm(obj=_FormView(item) if item and request.method == "GET" else None)
    _choices(form)
    error = None
    if form.validate_on_submit():
        try:
            with transaction():
                saved = svc.save_item(db(), actor(), _input(form), item_id)
            return redirect(url_for("catalog.guide", code=saved.code) if saved.active
                            else url_for("catalog.manage"))
        except ValidationError as exc:
            error = exc.message
    elif request.method == "POST":
        error = form_errors(form)
    return render_template("catalog/edit.html", form=form, item=item, error=error,
                           upload=UploadForm(), post_form=PostForm()), 400 if error else 200


class _FormView:
    """An item seen as the form's fields (lists as lines)."""

    def __init__(self, item: ServiceItem):
        self.__dict__.update({c: getattr(item, c) for c in (
            "code", "name", "category_id", "summary", "eligibility", "fees", "location", "hours",
            "ivr_text", "keywords", "active")})
        self.department_id = item.department_id or 0
        self.materials, self.steps = "\n".join(item.materials), "\n".join(item.steps)


def _choices(form: ItemForm) -> None:
    cats, depts = svc.form_choices(db())
    form.category_id.choices = choices(cats)
    form.department_id.choices = choices([(0, "—")] + depts)


def _input(form: ItemForm) -> svc.ItemInput:
    lines = lambda text: [x.strip() for x in (text or "").splitlines() if x.strip()]  # noqa: E731
    return svc.ItemInput(
        code=form.code.data.strip(), name=form.name.data.strip(), category_id=form.category_id.data,
        department_id=form.department_id.data or None, summary=form.summary.data or "",
        eligibility=form.eligibility.data or "", materials=lines(form.materials.data),
        fees=form.fees.data or "", steps=lines(form.steps.data), location=form.location.data or "",
        hours=form.hours.data or "", ivr_text=form.ivr_text.data or "",
        keywords=(form.keywords.data or "").split(), active=form.active.data)


@bp.post("/catalog/<int:item_id>/active")
@login_required(*EDITORS)
def set_active(item_id: int):
    if not PostForm().validate_on_submit():
        return ("bad request", 400)
    with transaction():
        svc.set_active(db(), actor(), item_id, request.form.get("active") == "1")
    return redirect(url_for("catalog.manage"))


@bp.post("/catalog/<int:item_id>/forms")
@login_required(*EDITORS)
def upload(item_id: int):
    form = UploadForm()
    if not form.validate_on_submit():
        return ("bad request", 400)
    with transaction():
        svc.add_form(db(), actor(), item_id, form.file.data.filename or "form",
                     form.file.data.read(svc.MAX_FORM_BYTES + 1))
    return redirect(url_for("catalog.edit", item_id=item_id))


@bp.post("/catalog/forms/<int:form_id>/delete")
@login_required(*EDITORS)
def delete_form(form_id: int):
    if not PostForm().validate_on_submit():
        return ("bad request", 400)
    with transaction():
        svc.remove_form(db(), actor(), form_id)
    return redirect(url_for("catalog.manage"))
