"""Admin pages for Open311 API keys: list the clients, issue a key (shown once), revoke."""
from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from agent_ui.admin import forms as f
from agent_ui.admin.routes import bp
from agent_ui.i18n import MESSAGES
from agent_ui.residents.common import actor, form_errors
from agent_ui.residents.forms import PostForm
from agent_ui.web import db, login_required, transaction
from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import ValidationError
from callcenter.services import open311_keys as keys

MESSAGES.update({k: {"zh": zh, "en": en} for k, (zh, en) in {
    "o311.title": ("Open311 接口密钥", "Open311 API keys"),
    "o311.help": ("第三方应用凭密钥通过 Open311 接口提交诉求。密钥只在签发时显示一次，系统只保存其摘要；"
                  "泄露时请立即吊销并重新签发。",
                  "Third-party apps submit requests through Open311 with a key. A key is shown once, "
                  "when issued, and only its hash is stored; if it leaks, revoke it and issue a new one."),
    "o311.issue": ("签发密钥", "Issue a key"), "o311.revoke": ("吊销", "Revoke"),
    "o311.client": ("应用", "Client"), "o311.contact": ("联系方式", "Contact"),
    "o311.prefix": ("密钥前缀", "Key prefix"), "o311.limit": ("频率上限", "Rate limit"),
    "o311.created": ("签发时间", "Issued"), "o311.state": ("状态", "State"),
    "o311.active": ("有效", "Active"), "o311.revoked": ("已吊销", "Revoked"),
    "o311.none": ("尚未签发密钥", "No keys issued yet"),
    "o311.shown_once": ("请立即复制并安全交给对方：离开本页后将无法再次查看此密钥。",
                        "Copy it now and hand it over safely: this key cannot be shown again."),
    "o311.back": ("返回密钥列表", "Back to the keys"),
}.items()})


@bp.get("/open311")
@login_required("admin")
def open311_clients():
    return render_template("admin/open311.html", clients=keys.visible_clients(db(), actor()),
                           post_form=PostForm(), tz=SHANGHAI)


@bp.route("/open311/new", methods=["GET", "POST"])
@login_required("admin")
def open311_issue():
    form, error = f.Open311KeyForm(), None
    if form.validate_on_submit():
        try:
            with transaction():
                client, key = keys.issue_key(db(), actor(), form.name.data, contact=form.contact.data or "",
                                             rate_limit=form.rate_limit.data)
            return _no_store(render_template("admin/open311_issued.html", client=client, key=key))
        except ValidationError as exc:
            error = exc.message
    elif request.method == "POST":
        error = form_errors(form)
    return render_template("admin/open311_new.html", form=form, error=error), 400 if error else 200


@bp.post("/open311/<int:client_id>/revoke")
@login_required("admin")
def open311_revoke(client_id: int):
    if not PostForm().validate_on_submit():
        return ("bad request", 400)
    with transaction():
        keys.revoke_key(db(), actor(), client_id)
    return redirect(url_for("admin.open311_clients"))


def _no_store(body: str):
    """The page holding a fresh key must not stay in any cache or the browser's history."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response
