"""A staff member's own security settings: turn TOTP on (enrol) and off."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from agent_ui.i18n import translate
from agent_ui.web import current_user, db, login_required, transaction
from callcenter.services import totp

bp = Blueprint("account", __name__)
STAFF_WITH_TOTP = tuple(sorted(totp.ROLES))


@bp.get("/account/totp")
@login_required(*STAFF_WITH_TOTP)
def totp_page():
    return render_template("ops/totp.html", enrolled=totp.enrolled(db(), current_user().id),
                           secret=None, uri=None, error=None)


@bp.post("/account/totp/begin")
@login_required(*STAFF_WITH_TOTP)
def totp_begin():
    with transaction() as s:
        try:
            secret, uri = totp.begin_enrolment(s, current_user())
        except totp.TotpError as exc:
            return render_template("ops/totp.html", enrolled=totp.enrolled(s, current_user().id),
                                   secret=None, uri=None, error=exc.message), 409
    return render_template("ops/totp.html", enrolled=False, secret=secret, uri=uri, error=None)


@bp.post("/account/totp/confirm")
@login_required(*STAFF_WITH_TOTP)
def totp_confirm():
    try:
        with transaction() as s:
            ok = totp.confirm_enrolment(s, current_user(), request.form.get("code", ""))
    except totp.TotpError as exc:
        return render_template("ops/totp.html", enrolled=False, secret=None, uri=None,
                               error=exc.message), 409
    if not ok:
        return render_template("ops/totp.html", enrolled=False, secret=None, uri=None,
                               error=translate("totp.wrong")), 400
    return redirect(url_for("account.totp_page"))


@bp.post("/account/totp/disable")
@login_required(*STAFF_WITH_TOTP)
def totp_disable():
    with transaction() as s:
        ok = totp.disable(s, current_user(), request.form.get("code", ""))
    if not ok:
        return render_template("ops/totp.html", enrolled=True, secret=None, uri=None,
                               error=translate("totp.wrong")), 400
    return redirect(url_for("account.totp_page"))
