"""Agent console pages and JSON endpoints; every one checks the agent role and scope."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, send_file, session

from agent_ui.console.common import (ConsoleError, body, desk_extension, json_errors, queue_directory,
                                     telephony)
from agent_ui.console.messages import client_strings
from agent_ui.i18n import current_language
from agent_ui.web import container, current_user, db, login_required, transaction
from callcenter.services import console as console_service
from callcenter.services.accounts import actor_for
from callcenter.services.catalog_search import search_catalog
from callcenter.services.routing import suggest_targets
from callcenter.domain.phones import national
from callcenter.domain.tickets import NotFoundError
from callcenter.services import console_tickets, recordings, worklists

bp = Blueprint("console", __name__)
PAUSE_REASONS = ("小休", "会议", "培训", "用餐", "后处理")


def _ext() -> str:
    ext = desk_extension(current_user())
    if not ext:
        raise ConsoleError(400, "no_extension", "登录时请填写本座席的分机号")
    return ext


def _my_queues() -> list[str]:
    user = current_user()
    return [q.name for q in queue_directory().for_agent(db(), user.region.path, _ext())]


@bp.get("/")
@login_required("agent")
def index():
    actor = actor_for(current_user())
    form = console_tickets.form_choices(db(), actor)
    try:
        queues = _my_queues() if session.get("extension") else []
    except ConsoleError:  # another agent's phone: the page loads, its socket and calls are refused
        queues = []
    return render_template("console/index.html", extension=session.get("extension") or "",
                           queues=queues,
                           reasons=PAUSE_REASONS, form=form,
                           demo=bool(getattr(container().extras.get("call_control"), "demo", False)),
                           strings=client_strings())


@bp.get("/api/pop/<linkedid>")
@login_required("agent")
@json_errors
def pop(linkedid: str):
    snap = container().extras["live"].snapshot(f"agent:{_ext()}")
    call = snap["state"]["calls"].get(linkedid)
    if call is None:  # only the agent whose phone rings (or rang) sees the pop
        raise ConsoleError(404, "no_such_call", "这通电话不在本分机")
    q = queue_directory().get(call.get("queue") or "")
    data = console_service.screen_pop(db(), actor_for(current_user()), call,
                                      queue_label=q.label if q else "", lang=current_language(),
                                      now=snap["now"])
    return jsonify(data)


@bp.post("/api/state")
@login_required("agent")
@json_errors
def set_state():
    data, ext = body(), _ext()
    state = data.get("state")
    control = telephony()
    if state == "login":
        out = control.login(ext, _my_queues())
    elif state == "logoff":
        out = control.logoff(ext, _my_queues())
    elif state == "paused":
        out = [control.pause(ext, str(data.get("reason") or ""))]
    elif state == "ready":
        out = [control.unpause(ext)]
    else:
        raise ConsoleError(400, "invalid", "state must be login, logoff, paused or ready")
    return jsonify({"ok": True, "results": [r.to_json() for r in out]})


@bp.post("/api/call/<action>")
@login_required("agent")
@json_errors
def call_action(action: str):
    data, ext, control = body(), _ext(), telephony()
    lid = str(data.get("linkedid") or "")
    if action == "answer":
        return jsonify({"ok": control.answer(ext)})
    if action == "hangup":
        result = control.hangup(ext, lid)
    elif action == "transfer":
        result = control.transfer(ext, lid, str(data.get("target") or "").strip())
    elif action == "dial":
        result = control.dial(ext, _dial_number(data))
    else:
        raise ConsoleError(404, "unknown_action", f"unknown call action {action}")
    return jsonify(result.to_json())


def _dial_number(data: dict) -> str:
    """A typed number, or the phone of a ticket / missed call in scope (never shown in full)."""
    if data.get("ticket") or data.get("call_id") is not None:
        e164 = worklists.callback_number(db(), actor_for(current_user()),
                                         ticket_number=data.get("ticket"),
                                         call_id=data.get("call_id"), queues=_my_queues())
        return national(e164) if e164.startswith("+") else e164
    return str(data.get("number") or "")


@bp.get("/recordings/<linkedid>")
@login_required("agent", "supervisor", "admin")
def recording(linkedid: str):
    user = current_user()
    queues = [q.name for q in queue_directory().visible_to(db(), user.region.path)]
    try:
        ext = desk_extension(user)
    except ConsoleError:  # another agent's phone: no right to the calls it answered
        ext = None
    try:
        rec = recordings.recording_for(db(), actor_for(user), linkedid,
                                       container().settings.recordings_path,
                                       extension=ext, queues=queues)
    except NotFoundError:
        abort(404)
    return send_file(rec.path, mimetype=rec.mime_type, conditional=True, max_age=0)


@bp.get("/api/catalog")
@login_required("agent")
@json_errors
def catalog():
    hits = search_catalog(db(), request.args.get("q", "")[:100], limit=8)
    return jsonify({"items": [console_tickets.hit_json(db(), h) for h in hits]})


@bp.get("/api/suggest")
@login_required("agent")
@json_errors
def suggest():
    like = console_tickets.ticket_like(request.args)
    return jsonify({"items": [s.__dict__ for s in suggest_targets(db(), like)]})


@bp.get("/api/duplicates")
@login_required("agent")
@json_errors
def duplicates():
    q = console_tickets.duplicate_query(request.args)
    return jsonify({"items": console_service.duplicates(db(), actor_for(current_user()), q)})


@bp.post("/api/tickets")
@login_required("agent")
@json_errors
def file_ticket():
    actor = actor_for(current_user())
    with transaction():
        out = console_tickets.file_ticket(db(), actor, body(), container())
    console_tickets.after_commit(container())
    return jsonify(out), 201


@bp.post("/api/residents")
@login_required("agent")
@json_errors
def new_resident():
    data = body()
    with transaction():
        resident = console_service.create_caller(
            db(), actor_for(current_user()), name=str(data.get("name") or ""),
            address=str(data.get("address") or ""), phone=str(data.get("phone") or ""),
            region_id=data.get("region_id"))
        out = {"id": resident.id, "name": resident.name, "address": resident.address}
    return jsonify(out), 201


@bp.get("/api/worklists")
@login_required("agent")
@json_errors
def worklist():
    actor = actor_for(current_user())
    queues = _my_queues() if session.get("extension") else []
    return jsonify(worklists.for_agent(db(), actor, queues))


@bp.post("/api/revisit/<number>")
@login_required("agent")
@json_errors
def revisit(number: str):
    data = body()
    with transaction():
        out = worklists.record_revisit(db(), actor_for(current_user()), number, data.get("score"),
                                       str(data.get("note") or ""), events=container().events)
    return jsonify(out)


@bp.post("/api/missed/handled")
@login_required("agent")
@json_errors
def missed_handled():
    ids = body().get("ids")
    with transaction():
        n = worklists.mark_missed_handled(db(), actor_for(current_user()), _my_queues(), ids)
    return jsonify({"ok": True, "handled": n})
