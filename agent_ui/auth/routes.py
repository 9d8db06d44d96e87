"""Log-in, log-out and the language switch."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for

from agent_ui.auth.forms import LoginForm
from agent_ui.i18n import LANGUAGES, translate
from agent_ui.web import container, current_user, db
from callcenter.services.accounts import AccountLocked, LoginFailed, authenticate

bp = Blueprint("auth", __name__)
# Where each role starts its shift when no page was asked for.
LANDING = {"agent": "console.index", "supervisor": "wallboard.index",
           "merchant": "merchant_portal.jobs", "department": "department_portal.jobs"}


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        settings = container().settings
        try:
            user = authenticate(db(), form.username.data, form.password.data,
                                max_failures=settings.login_max_failures,
                                lockout=timedelta(seconds=settings.login_lockout_seconds))
        except AccountLocked:
            error = translate("login.locked")
        except LoginFailed:
            error = translate("login.failed")
        db().commit()  # keep the failure count too: it drives the lock-out
        if error is None:
            return _start_session(user, form.extension.data)
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


def _start_session(user, extension):
    lang = session.get("lang")
    session.clear()  # a fresh session id on log-in: no fixation
    session.permanent = True
    session.update(user_id=user.id, lang=lang or user.language,
                   extension=extension or user.extension)
    target = request.args.get("next", "")
    if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
        target = url_for(LANDING.get(user.role, "main.home"))
    return redirect(target)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    ref = request.referrer or ""
    return redirect(ref if ref.startswith(request.host_url) else url_for("main.home"))


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user()}
