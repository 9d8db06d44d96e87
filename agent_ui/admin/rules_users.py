"""Admin pages for routing rules, user accounts and the audit log."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from agent_ui.admin import forms as f
from agent_ui.admin.routes import _save_page, bp
from agent_ui.residents.common import actor
from agent_ui.residents.forms import PostForm, choices
from agent_ui.web import db, login_required, transaction
from callcenter.services import catalog, directory, staff
from callcenter.services import routing as rules


@bp.get("/rules")
@login_required("admin")
def rule_list():
    return render_template("admin/rules.html", rules=rules.list_rules(db()), post_form=PostForm())


@bp.route("/rules/new", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@login_required("admin")
def rule(rule_id: int | None):
    me = actor()
    row = next((r for r in rules.list_rules(db()) if r.id == rule_id), None) if rule_id else None
    if rule_id and row is None:
        return ("not found", 404)
    form = f.RuleForm(obj=row if request.method == "GET" else None)
    if row and request.method == "GET":
        form.category_id.data, form.region_id.data = row.category_id or 0, row.region_id or 0
        form.department_id.data, form.ticket_type.data = row.department_id or 0, row.ticket_type or ""
    form.category_id.choices = choices([(0, "全部")] + catalog.form_choices(db())[0])
    form.region_id.choices = choices([(0, "全部")] + staff.region_choices(db(), me))
    form.department_id.choices = choices([(0, "—")] + [
        (d.id, d.name) for d in directory.list_departments(db(), me)])

    def save():
        rules.save_rule(db(), me, rules.RuleInput(
            target_kind=form.target_kind.data, name=form.name.data or "",
            category_id=form.category_id.data or None, region_id=form.region_id.data or None,
            ticket_type=form.ticket_type.data or None, department_id=form.department_id.data or None,
            priority=form.priority.data or 0, active=form.active.data), rule_id)
    return _save_page("admin/rule.html", form, save, "admin.rule_list", record=row)


@bp.post("/rules/<int:rule_id>/delete")
@login_required("admin")
def rule_delete(rule_id: int):
    if not PostForm().validate_on_submit():
        return ("bad request", 400)
    with transaction():
        rules.delete_rule(db(), actor(), rule_id)
    return redirect(url_for("admin.rule_list"))


@bp.get("/users")
@login_required("admin")
def user_list():
    return render_template("admin/users.html", users=staff.list_users(db(), actor()))


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required("admin")
def user(user_id: int | None):
    me = actor()
    row = staff.get_user(db(), me, user_id) if user_id else None
    form = f.UserForm(obj=row if row and request.method == "GET" else None)
    form.region_id.choices = choices(staff.region_choices(db(), me))
    form.department_id.choices = choices([(0, "—")] + [
        (d.id, d.name) for d in directory.list_departments(db(), me)])
    form.provider_id.choices = choices([(0, "—")] + [
        (p.id, p.name) for p in directory.list_providers(db(), me)])
    if row and request.method == "GET":
        form.department_id.data, form.provider_id.data = row.department_id or 0, row.provider_id or 0

    def save():
        staff.save_user(db(), me, staff.UserInput(
            username=form.username.data, display_name=form.display_name.data or "",
            role=form.role.data, region_id=form.region_id.data, password=form.password.data or "",
            extension=form.extension.data or None, department_id=form.department_id.data or None,
            provider_id=form.provider_id.data or None, active=form.active.data), user_id)
    return _save_page("admin/user.html", form, save, "admin.user_list", record=row)


@bp.get("/audit")
@login_required("admin")
def audit_log():
    """One audit page, scoped to the admin's region: the searchable one."""
    return redirect(url_for("audit.index"))
