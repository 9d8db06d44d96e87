"""JSON API v1 for dispatch: staff dispatch and recall; departments and providers sign for,
return, ask for time and reply (token per department or provider user); supervisors
retry deliveries and decide extensions; revisit scores; message templates."""
from __future__ import annotations

import base64
import binascii

from flask import g, jsonify, request

from agent_ui.api.errors import ApiError
from agent_ui.api.routes import _json, bp
from agent_ui.portal.common import kick, parse_day, write
from agent_ui.web import container, db
from callcenter.services import deliveries, dispatch, notifications, partner_actions, revisit
from callcenter.services.accounts import actor_for
from callcenter.services.attachments import Upload
from callcenter.services.ticket_queries import ticket_dict


def _actor():
    return actor_for(g.user)


def _require(*roles: str) -> None:
    if g.user.role not in roles:
        raise ApiError(403, "forbidden", f"this endpoint is for {', '.join(roles)}")


PARTNERS = ("merchant", "department")
STAFF = ("agent", "supervisor", "admin")


def _messaging():
    return container().extras["dispatcher"].messaging


def _body() -> dict:
    body = _json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "body must be a JSON object", "body")
    return body


def _ticket_out(ticket, status: int = 200):
    kick()
    return jsonify(ticket_dict(ticket, _actor(), with_timeline=True)), status


@bp.post("/tickets/<number>/dispatch")
def dispatch_create(number: str):
    body = _body()
    with write():
        d = dispatch.dispatch_ticket(db(), _actor(), number, body.get("target"), _messaging(),
                                     events=container().events, note=str(body.get("note") or ""))
        ticket = d.ticket
    return _ticket_out(ticket, 201)


@bp.post("/tickets/<number>/recall")
def dispatch_recall(number: str):
    body = _body()
    with write():
        dispatch.recall(db(), _actor(), number, body.get("reason"), events=container().events)
        ticket = dispatch.get_ticket(db(), _actor(), number)
    return _ticket_out(ticket)


@bp.get("/partner/jobs")
def partner_jobs():
    _require(*PARTNERS)
    rows = partner_actions.partner_jobs(db(), _actor(), request.args.get("bucket", "new"))
    return jsonify({"items": [ticket_dict(t, _actor()) for t in rows]})


@bp.get("/partner/jobs/<number>")
def partner_job(number: str):
    _require(*PARTNERS)
    return jsonify(ticket_dict(dispatch.get_ticket(db(), _actor(), number), _actor(),
                               with_timeline=True))


@bp.post("/partner/jobs/<number>/accept")
def partner_accept(number: str):
    _require(*PARTNERS)
    with write():
        ticket = partner_actions.accept(db(), _actor(), number, _messaging(),
                                        events=container().events)
    return _ticket_out(ticket)


@bp.post("/partner/jobs/<number>/return")
def partner_return(number: str):
    _require(*PARTNERS)
    body = _body()
    with write():
        ticket = partner_actions.return_job(db(), _actor(), number, body.get("reason"),
                                            str(body.get("basis") or ""), events=container().events)
    return _ticket_out(ticket)


@bp.post("/partner/jobs/<number>/extension")
def partner_extension(number: str):
    _require(*PARTNERS)
    body = _body()
    when = parse_day(body.get("deadline") if isinstance(body.get("deadline"), str) else None)
    with write():
        row = partner_actions.request_extension(db(), _actor(), number, when, body.get("reason"))
        out = {"id": row.id, "state": row.state, "requested_deadline": when.isoformat()}
    return jsonify(out), 201


@bp.post("/partner/jobs/<number>/reply")
def partner_reply(number: str):
    _require(*PARTNERS)
    body = _body()
    uploads = [_upload(a) for a in body.get("attachments") or []]
    with write():
        ticket = partner_actions.reply(db(), _actor(), number, body.get("result"), uploads,
                                       _messaging(), container().settings.instance_path,
                                       events=container().events)
    return _ticket_out(ticket)


def _upload(item) -> Upload:
    if not isinstance(item, dict) or not isinstance(item.get("content_base64"), str):
        raise ApiError(400, "invalid", "each attachment is {filename, content_base64}", "attachments")
    try:
        data = base64.b64decode(item["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid", "content_base64 is not valid base64", "attachments") from None
    return Upload(str(item.get("filename") or ""), data)


@bp.get("/deliveries")
def deliveries_index():
    if _actor().role not in ("supervisor", "admin"):
        raise ApiError(403, "forbidden", "supervisors only")
    rows = deliveries.list_deliveries(db(), _actor(), request.args.get("state", "failed"))
    return jsonify({"items": [deliveries.delivery_dict(r) for r in rows]})


@bp.post("/deliveries/<int:delivery_id>/retry")
def deliveries_retry(delivery_id: int):
    with write():
        out = deliveries.delivery_dict(deliveries.retry(db(), _actor(), delivery_id))
    kick()
    return jsonify(out)


@bp.post("/deliveries/<int:delivery_id>/switch")
def deliveries_switch(delivery_id: int):
    channel = _body().get("channel")
    with write():
        out = deliveries.delivery_dict(deliveries.switch_channel(
            db(), _actor(), delivery_id, str(channel or ""), _messaging()))
    kick()
    return jsonify(out), 201


@bp.post("/extensions/<int:request_id>/decision")
def extensions_decide(request_id: int):
    body = _body()
    if not isinstance(body.get("approve"), bool):
        raise ApiError(400, "invalid", "approve must be true or false", "approve")
    with write():
        row = partner_actions.decide_extension(db(), _actor(), request_id, body["approve"],
                                               str(body.get("note") or ""), _messaging())
        out = {"id": row.id, "state": row.state, "deadline": row.ticket.complete_deadline.isoformat()}
    kick()
    return jsonify(out)


@bp.get("/revisits")
def revisits_due():
    _require(*STAFF)
    rows = revisit.due_revisits(db(), _actor())
    return jsonify({"items": [ticket_dict(t, _actor()) for t in rows]})


@bp.post("/tickets/<number>/revisit")
def revisit_record(number: str):
    body = _body()
    with write():
        ticket = revisit.record_revisit(db(), _actor(), number, body.get("score"),
                                        str(body.get("note") or ""), events=container().events)
    return _ticket_out(ticket)


@bp.get("/notification-templates")
def templates_index():
    _require("admin")
    return jsonify({"items": notifications.list_templates(db())})


@bp.put("/notification-templates/<key>/<language>")
def templates_save(key: str, language: str):
    body = _body()
    with write():
        notifications.save_template(db(), _actor(), key, language, body.get("body"))
    return jsonify({"key": key, "language": language, "body": body.get("body")})
