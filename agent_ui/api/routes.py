"""JSON API v1: tickets. Session (with CSRF header) or bearer-token authentication."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from agent_ui.api.errors import ApiError, error_response
from agent_ui.extensions import csrf
from agent_ui.web import container, current_user, db, transaction
from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import TicketError
from callcenter.services import tickets as ticket_service
from callcenter.services.accounts import actor_for, user_for_token
from callcenter.services.ticket_actions import ActionContext, perform
from callcenter.services.ticket_input import TicketInput
from callcenter.services.ticket_queries import TicketFilter, list_tickets, ticket_dict

bp = Blueprint("api", __name__)


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        with transaction():
            user = user_for_token(db(), header[7:].strip())
        if user is None:
            raise ApiError(401, "unauthorized", "invalid or revoked token")
        g.user = user
        return
    if current_user() is None:
        raise ApiError(401, "unauthorized", "log in or send Authorization: Bearer <token>")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # cookie sessions must prove the request came from our pages


@bp.get("/tickets")
def tickets_index():
    actor = actor_for(g.user)
    f = _filter(request.args)
    rows, total = list_tickets(db(), actor, f)
    return jsonify({"items": [ticket_dict(t, actor) for t in rows], "total": total,
                    "page": f.page, "per_page": f.per_page})


@bp.post("/tickets")
def tickets_create():
    data = TicketInput.parse(_json())
    actor = actor_for(g.user)
    with transaction():
        ticket = ticket_service.open_ticket(db(), actor, data, events=_events())
        body = ticket_dict(ticket, actor, with_timeline=True)
    return jsonify(body), 201


@bp.get("/tickets/<number>")
def tickets_show(number: str):
    actor = actor_for(g.user)
    ticket = ticket_service.get_ticket(db(), actor, number)
    return jsonify(ticket_dict(ticket, actor, with_timeline=True))


@bp.post("/tickets/<number>/actions")
def tickets_act(number: str):
    body = _json()
    if not isinstance(body, dict) or not isinstance(body.get("action"), str):
        raise ApiError(400, "invalid", "body must be an object with a string 'action'", "action")
    actor = actor_for(g.user)
    c = container()
    ctx = ActionContext(c.extras["dispatcher"].messaging, c.settings.instance_path, c.events)
    with transaction():
        ticket = perform(db(), actor, number, body["action"], body, ctx)
        out = ticket_dict(ticket, actor, with_timeline=True)
    return jsonify(out)


def _json():
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "malformed_json", "the body is not valid JSON")
    return body


def _filter(args) -> TicketFilter:
    def integer(name, default=None, lo=None, hi=None):
        raw = args.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "invalid", f"{name} must be an integer", name) from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ApiError(400, "invalid", f"{name} must be between {lo} and {hi}", name)
        return value

    def day(name):
        raw = args.get(name)
        if not raw:
            return None
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI) if len(raw) == 10 \
                else datetime.fromisoformat(raw)
        except ValueError:
            raise ApiError(400, "invalid", f"{name} must be a date (YYYY-MM-DD)", name) from None

    overdue = args.get("overdue")
    if overdue not in (None, "", "true", "false"):
        raise ApiError(400, "invalid", "overdue must be true or false", "overdue")
    return TicketFilter(
        status=args.get("status") or None, type=args.get("type") or None,
        category_id=integer("category_id"), region_id=integer("region_id"),
        created_from=day("from"), created_to=day("to"),
        overdue=None if not overdue else overdue == "true",
        page=integer("page", 1, 1, 100000), per_page=integer("per_page", 50, 1, 200))


def _events():
    return container().events


@bp.errorhandler(ApiError)
def on_api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.field)


@bp.errorhandler(TicketError)
def on_ticket_error(exc: TicketError):
    db().rollback()
    return error_response(exc.status, exc.code, exc.message, exc.field)


@bp.errorhandler(CSRFError)
def on_csrf(exc: CSRFError):
    return error_response(400, "csrf", "missing or invalid X-CSRFToken header")


@bp.errorhandler(HTTPException)
def on_http(exc: HTTPException):
    return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "")


@bp.app_errorhandler(404)
def on_404(exc):
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "no such resource")
    return exc
