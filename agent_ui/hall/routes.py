"""网上服务大厅: pick a service, read its guide, submit with an SMS code, track, rate."""
from __future__ import annotations

from io import BytesIO

from flask import (Blueprint, abort, make_response, redirect, render_template, request,
                   send_file, session, url_for)

from agent_ui.hall import flows
from agent_ui.hall.common import A11Y_COOKIE, ONE_YEAR, limit, limiter
from agent_ui.web import container, db
from callcenter.domain.tickets import TicketError
from callcenter.services import catalog, public_requests as hall, public_tracking
from callcenter.services.verification import SmsError, TooManyCodesError

bp = Blueprint("hall", __name__)
SUBMIT_LIMIT = limit("HALL_SUBMIT_LIMIT", "10/hour;30/day")
CODE_LIMIT = limit("HALL_CODE_LIMIT", "5/10 minutes;20/day")
CODE_ERRORS = (TicketError, SmsError, flows.NoSmsError)


@bp.get("/")
def index():
    return render_template("hall/index.html", groups=catalog.catalog_tree(db()))


@bp.get("/services/<code>")
def guide(code: str):
    item = _or_404(lambda: catalog.get_item(db(), code))
    return render_template("hall/guide.html", item=item)


@bp.get("/services/<code>/forms/<int:form_id>")
def form_file(code: str, form_id: int):
    form = _or_404(lambda: catalog.get_form(db(), code, form_id))
    return send_file(BytesIO(form.content), mimetype=form.mime_type, as_attachment=True,
                     download_name=form.filename)


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def submit():
    values = flows.form_values() if request.method == "POST" else \
        {"service_code": request.args.get("service", ""), "type": "help"}
    if request.method == "GET":
        return _submit_page(values)
    if flows.is_bot():
        return _submit_page(values, "提交失败，请稍后再试", 400)
    try:
        draft = hall.create_draft(db(), hall.HallRequest.parse(request.form), flows.uploads(),
                                  container().settings.instance_path)
        demo_code = flows.send_code(draft.phone, "submit", draft.token)
    except CODE_ERRORS as exc:
        db().rollback()
        return _submit_page(values, _message(exc), 429 if isinstance(exc, TooManyCodesError) else 400)
    db().commit()
    session["hall_demo_code"] = demo_code
    return redirect(url_for("hall.verify", token=draft.token))


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"], exempt_when=lambda: "resend" not in request.form)
def verify(token: str):
    draft = _or_404(lambda: hall.get_draft(db(), token))
    if draft.ticket_number:
        return _done(draft.ticket_number)
    if request.method == "GET":
        return _verify_page(draft)
    if "resend" in request.form:
        return _resend(draft)
    outcome = flows.check_code(draft.phone, "submit", draft.token, request.form.get("code", ""))
    if outcome != "ok":
        db().commit()  # a wrong try counts
        return _verify_page(draft, flows.CODE_ERRORS[outcome], 400)
    number = hall.confirm_draft(db(), draft, events=container().events)
    db().commit()
    return _done(number)


@bp.get("/done")
def done():
    number = session.get("hall_done")
    if not number:
        return redirect(url_for("hall.index"))
    return render_template("hall/done.html", number=number)


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
def track():
    if request.method == "GET":
        return render_template("hall/track.html", number=request.args.get("number", ""))
    number, phone = request.form.get("number", "").strip(), request.form.get("phone", "").strip()
    demo_code = None
    try:
        if hall.phone_matches(db(), number, phone):  # same answer either way: nothing leaks
            demo_code = flows.send_code(hall.ticket_phone(db(), number), "track", number)
    except CODE_ERRORS as exc:
        db().rollback()
        return render_template("hall/track.html", number=number, error=_message(exc)), 429
    db().commit()
    session.update(hall_track_number=number, hall_track_phone=phone, hall_demo_code=demo_code)
    return redirect(url_for("hall.track_code"))


@bp.route("/track/code", methods=["GET", "POST"])
def track_code():
    number = session.get("hall_track_number")
    if not number:
        return redirect(url_for("hall.track"))
    if request.method == "GET":
        return render_template("hall/track_code.html", number=number,
                               demo_code=session.pop("hall_demo_code", None))
    outcome = _check_track_code(number, request.form.get("code", ""))
    if outcome != "ok":
        return render_template("hall/track_code.html", number=number,
                               error=flows.CODE_ERRORS[outcome]), 400
    flows.remember_tracked(number)
    return redirect(url_for("hall.status", number=number))


@bp.get("/track/<number>")
def status(number: str):
    if not flows.may_see(number):
        return redirect(url_for("hall.track", number=number))
    view = _or_404(lambda: public_tracking.track(db(), number))
    return render_template("hall/status.html", t=view, rated=request.args.get("rated"))


@bp.post("/track/<number>/rate")
def rate(number: str):
    if not flows.may_see(number):
        abort(403)
    try:
        hall.rate_ticket(db(), number, int(request.form.get("score", "0")),
                         request.form.get("note", ""), events=container().events)
    except (TicketError, ValueError) as exc:
        db().rollback()
        view = public_tracking.track(db(), number)
        return render_template("hall/status.html", t=view, error=_message(exc)), 400
    db().commit()
    return redirect(url_for("hall.status", number=number, rated=1))


@bp.post("/a11y")
def a11y():
    """Large text and high contrast on or off; the cookie keeps the choice for a year."""
    on = request.form.get("large") == "1"
    ref = request.referrer or ""
    response = make_response(redirect(ref if ref.startswith(request.host_url) else url_for("hall.index")))
    response.set_cookie(A11Y_COOKIE, "1" if on else "0", max_age=ONE_YEAR, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return response


@bp.errorhandler(429)
def too_many(exc):
    return render_template("hall/message.html", title="操作太频繁",
                           text="您的操作太频繁了，请稍等几分钟再试。已填写的内容不会丢失，可以返回上一页。"), 429


def _check_track_code(number: str, code: str) -> str:
    phone = hall.ticket_phone(db(), number) if hall.phone_matches(
        db(), number, session.get("hall_track_phone", "")) else ""
    outcome = flows.check_code(phone, "track", number, code) if phone else "wrong"
    db().commit()
    return outcome


def _resend(draft):
    try:
        session["hall_demo_code"] = flows.send_code(draft.phone, "submit", draft.token)
    except CODE_ERRORS as exc:
        db().rollback()
        return _verify_page(draft, _message(exc), 429)
    db().commit()
    return _verify_page(draft, notice="验证码已重新发送")


def _submit_page(values: dict, error: str | None = None, status: int = 200):
    return render_template("hall/submit.html", values=values, error=error,
                           groups=catalog.catalog_tree(db()),
                           regions=hall.hall_regions(db()), types=hall.HALL_TYPES), status


def _verify_page(draft, error: str | None = None, status: int = 200, notice: str | None = None):
    return render_template("hall/verify.html", draft=draft, error=error, notice=notice,
                           demo_code=session.pop("hall_demo_code", None),
                           item=catalog.get_item(db(), draft.data["service_code"])), status


def _done(number: str):
    session["hall_done"] = number
    return redirect(url_for("hall.done"))


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or "输入有误，请检查后再试"


def _or_404(load):
    try:
        return load()
    except TicketError:
        abort(404)
