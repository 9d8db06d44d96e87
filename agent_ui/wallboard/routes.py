"""Supervisor wallboard page and actions; every one is limited to the supervisor's region."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, session

from agent_ui.console.messages import client_strings
from agent_ui.console.common import ConsoleError, body, json_errors, queue_directory, telephony
from agent_ui.web import container, current_user, db, login_required, transaction
from callcenter.services import audit, wallboard
from callcenter.services.accounts import actor_for

bp = Blueprint("wallboard", __name__)
SUPERVISORS = ("supervisor", "admin")
PAUSE_REASONS = ("小休", "会议", "培训", "用餐", "后处理")


def _queues() -> list:
    return queue_directory().visible_to(db(), current_user().region.path)


def _agent_in_scope(ext: str) -> None:
    """Only agents seen in this supervisor's queues may be acted on."""
    live = container().extras["live"]
    for q in _queues():
        if ext in live.snapshot(f"queue:{q.name}")["state"]["agents"]:
            return
    raise ConsoleError(404, "no_such_agent", "该坐席不在您管辖的队列中")


@bp.get("/")
@login_required(*SUPERVISORS)
def index():
    return render_template("wallboard/index.html", queues=_queues(), reasons=PAUSE_REASONS,
                           extension=session.get("extension") or "", strings=client_strings())


@bp.get("/api/tickets")
@login_required(*SUPERVISORS)
@json_errors
def tickets():
    return jsonify(wallboard.ticket_counts(db(), actor_for(current_user())))


@bp.post("/api/agents/<ext>/<action>")
@login_required(*SUPERVISORS)
@json_errors
def agent_action(ext: str, action: str):
    reason = str(body().get("reason") or "").strip()
    if action not in ("pause", "logoff") or not reason or len(reason) > 200:
        raise ConsoleError(400, "invalid", "action is pause or logoff, with a reason")
    _agent_in_scope(ext)
    control = telephony()
    if action == "pause":
        results = [control.pause(ext, reason if reason in PAUSE_REASONS else "会议")]
    else:
        results = control.logoff(ext, [q.name for q in _queues()])
    with transaction():
        audit.record(db(), actor_for(current_user()), f"force_{action}", "agent", None,
                     extension=ext, reason=reason)
    return jsonify({"ok": True, "results": [r.to_json() for r in results]})


@bp.post("/api/spy")
@login_required(*SUPERVISORS)
@json_errors
def spy():
    data = body()
    ext, mode = str(data.get("extension") or ""), str(data.get("mode") or "listen")
    mine = session.get("extension") or current_user().extension
    if not mine:
        raise ConsoleError(400, "no_extension", "登录时请填写班长分机号，监听会先呼叫该分机")
    _agent_in_scope(ext)
    result = telephony().spy(mine, ext, mode)
    with transaction():
        audit.record(db(), actor_for(current_user()), f"spy_{mode}"[:32], "agent", None, extension=ext)
    return jsonify(result.to_json())
