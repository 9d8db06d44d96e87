"""Admin pages; administrators only, each list and record limited to their region subtree."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from agent_ui.admin import forms as f
from agent_ui.residents.common import actor, form_errors, handle_service_errors
from agent_ui.residents.forms import choices
from agent_ui.web import db, login_required, transaction
from callcenter.domain.channels import public_view
from callcenter.domain.tickets import ValidationError
from callcenter.services import catalog, directory, staff

bp = Blueprint("admin", __name__)
handle_service_errors(bp)


@bp.get("/")
@login_required("admin")
def index():
    me = actor()
    return render_template("admin/index.html", departments=directory.list_departments(db(), me),
                           providers=directory.list_providers(db(), me),
                           jobs=directory.open_jobs(db()), public_view=public_view)


def _save_page(template: str, form, save, done: str, **context):
    """Validate, call `save` in a transaction, redirect; or show the form with the reason."""
    error = None
    if form.validate_on_submit():
        try:
            with transaction():
                save()
            return redirect(url_for(done))
        except ValidationError as exc:
            error = exc.message
    elif request.method == "POST":
        error = form_errors(form)
    return render_template(template, form=form, error=error, **context), 400 if error else 200


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"dept_id": None})
@bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
@login_required("admin")
def department(dept_id: int | None):
    me = actor()
    dept = directory.get_department(db(), me, dept_id) if dept_id else None
    form = f.DepartmentForm(data=_dept_data(dept) if dept and request.method == "GET" else None)
    form.region_id.choices = form.region_ids.choices = choices(staff.region_choices(db(), me))
    form.category_ids.choices = choices(catalog.form_choices(db())[0])

    def save():
        directory.save_department(db(), me, directory.DepartmentInput(
            code=form.code.data.strip(), name=form.name.data.strip(), region_id=form.region_id.data,
            region_ids=form.region_ids.data, category_ids=form.category_ids.data,
            contacts=f.parse_contacts(form.contacts.data), active=form.active.data,
            channels=f.keep_secrets(f.parse_channels(form.channels.data),
                                    dept.channels if dept else [])), dept_id)
    return _save_page("admin/department.html", form, save, "admin.index", record=dept)


def _dept_data(d) -> dict:
    return {"code": d.code, "name": d.name, "region_id": d.region_id,
            "region_ids": [r.id for r in d.regions], "category_ids": [c.id for c in d.categories],
            "contacts": f.format_contacts(d.contact), "channels": f.format_channels(d.channels),
            "active": d.active}


@bp.route("/providers/new", methods=["GET", "POST"], defaults={"provider_id": None})
@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@login_required("admin")
def provider(provider_id: int | None):
    me = actor()
    prov = directory.get_provider(db(), me, provider_id) if provider_id else None
    form = f.ProviderForm(data=_provider_data(prov) if prov and request.method == "GET" else None)
    form.region_ids.choices = choices(staff.region_choices(db(), me))
    form.category_ids.choices = choices(catalog.form_choices(db())[0])

    def save():
        directory.save_provider(db(), me, directory.ProviderInput(
            code=form.code.data.strip(), name=form.name.data.strip(),
            region_ids=form.region_ids.data, category_ids=form.category_ids.data,
            contact={"name": form.contact_name.data or "", "phone": form.contact_phone.data or ""},
            channels=f.keep_secrets(f.parse_channels(form.channels.data),
                                    prov.channels if prov else []),
            capacity=form.capacity.data, active=form.active.data, notes=form.notes.data or ""),
            provider_id)
    return _save_page("admin/provider.html", form, save, "admin.index", record=prov)


def _provider_data(p) -> dict:
    return {"code": p.code, "name": p.name, "region_ids": [r.id for r in p.regions],
            "category_ids": [c.id for c in p.categories], "capacity": p.capacity,
            "contact_name": p.contact.get("name", ""), "contact_phone": p.contact.get("phone", ""),
            "channels": f.format_channels(p.channels), "notes": p.notes, "active": p.active}


import agent_ui.admin.rules_users  # noqa: E402,F401 - rules, users and audit pages join bp
import agent_ui.admin.open311  # noqa: E402,F401 - the Open311 key pages join bp
