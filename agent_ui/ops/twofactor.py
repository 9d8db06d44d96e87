"""The log-in's second step: after the password, users with TOTP on must give a code before
their session starts. Wraps the auth blueprint's log-in view, which stays as it is."""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, redirect, render_template, request, session, url_for)

from agent_ui.i18n import translate
from agent_ui.web import db, transaction
from callcenter.services import totp

bp = Blueprint("twofactor", __name__)
PENDING = "totp_pending"
PENDING_SECONDS = 300


def wrap_login(app: Flask) -> None:
    view = app.view_functions.get("auth.login")
    if view is None:
        return

    @wraps(view)
    def login(*args, **kwargs):
        response = view(*args, **kwargs)
        user_id = session.get("user_id")
        if request.method == "POST" and user_id and totp.enrolled(db(), user_id):
            pending = {k: session.get(k) for k in ("user_id", "lang", "extension")}
            target = response.headers.get("Location", "") if hasattr(response, "headers") else ""
            session.clear()  # no session until the second factor is given
            session[PENDING] = {**pending, "next": target, "at": int(time.time())}
            return redirect(url_for("twofactor.verify"))
        return response

    app.view_functions["auth.login"] = login


@bp.route("/login/totp", methods=["GET", "POST"])
def verify():
    pending = session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        with transaction() as s:
            ok = totp.verify(s, pending["user_id"], request.form.get("code", ""))
        if ok:
            return _start(pending)
        error = translate("totp.wrong")
    return render_template("ops/totp_verify.html", error=error), (401 if error else 200)


def _start(pending: dict):
    session.clear()
    session.permanent = True
    session.update(user_id=pending["user_id"], lang=pending.get("lang"),
                   extension=pending.get("extension"), last_seen=int(time.time()))
    target = pending.get("next") or ""
    parts = urlsplit(target)
    local = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return redirect(local + (f"?{parts.query}" if parts.query else ""))
