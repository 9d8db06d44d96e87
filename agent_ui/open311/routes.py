"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests, tokens (.json/.xml).

Errors keep the specification's shape and codes: 400 bad input, 403 bad api_key,
404 unknown; 429 when a client goes over its key's rate limit.
"""
from __future__ import annotations

import os

from flask import Blueprint, g, request, url_for
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from agent_ui.hall.common import limit, limiter
from agent_ui.open311.render import errors, respond
from agent_ui.web import container, db, transaction
from callcenter.domain.tickets import TicketError
from callcenter.models.base import utcnow
from callcenter.services import open311
from callcenter.services.open311_keys import client_for_key

bp = Blueprint("open311", __name__)
FMT = "<any(json,xml):fmt>"
READ_LIMIT = limit("OPEN311_READ_LIMIT", "600/minute")


def _key() -> str:
    return "o311:" + (request.values.get("api_key") or get_remote_address())


def _post_limit() -> str:
    client = client_for_key(db(), request.values.get("api_key"))
    return client.rate_limit if client is not None else "30/hour"


@bp.before_request
def check_jurisdiction():
    g.o311_fmt = "xml" if request.path.endswith(".xml") else "json"
    open311.check_jurisdiction(db(), request.values.get("jurisdiction_id"))


@bp.get(f"/discovery.{FMT}")
@limiter.limit(READ_LIMIT, key_func=get_remote_address)
def discovery(fmt: str):
    base = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0] + "/"
    return respond(fmt, "discovery", None, {
        "changeset": "2026-01-01T00:00:00+08:00", "contact": _contact(),
        "key_service": "向热线管理员申请 API key（Apply to the hotline administrators for an api_key）",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-01-01T00:00:00+08:00", "type": "production",
                       "formats": ["text/xml", "application/json"]}]})


@bp.get(f"/services.{FMT}")
@limiter.limit(READ_LIMIT, key_func=get_remote_address)
def services(fmt: str):
    return respond(fmt, "services", "service", open311.list_services(db()))


@bp.get(f"/services/<code>.{FMT}")
@limiter.limit(READ_LIMIT, key_func=get_remote_address)
def service(code: str, fmt: str):
    return respond(fmt, "service_definition", None, open311.service_definition(db(), code))


@bp.post(f"/requests.{FMT}")
@limiter.limit(_post_limit, key_func=_key)
def create(fmt: str):
    client = client_for_key(db(), request.values.get("api_key"))
    if client is None:
        return errors(fmt, 403, "api_key is missing, unknown or revoked")
    with transaction() as s:
        ticket, row = open311.create_request(s, client.id, request.values,
                                             events=container().events)
        client.last_used_at = utcnow()
        body = [{"service_request_id": ticket.number, "token": row.token,
                 "service_notice": f"已受理，预计{open311.w3c(ticket.complete_deadline)}前办结",
                 "account_id": row.submitted.get("account_id")}]
    return respond(fmt, "service_requests", "request", body, 201)


@bp.get(f"/requests.{FMT}")
@limiter.limit(READ_LIMIT, key_func=get_remote_address)
def requests_index(fmt: str):
    query = open311.RequestQuery.parse(request.values)
    return respond(fmt, "service_requests", "request", open311.find_requests(db(), query))


@bp.get(f"/requests/<number>.{FMT}")
@limiter.limit(READ_LIMIT, key_func=get_remote_address)
def request_detail(number: str, fmt: str):
    return respond(fmt, "service_requests", "request", [open311.get_request(db(), number)])


@bp.get(f"/tokens/<token>.{FMT}")
@limiter.limit(READ_LIMIT, key_func=get_remote_address)
def token(token: str, fmt: str):
    return respond(fmt, "service_requests", "request", [open311.by_token(db(), token)])


@bp.errorhandler(open311.Open311Error)
def spec_error(exc: open311.Open311Error):
    db().rollback()
    return errors(g.get("o311_fmt", "json"), exc.status, exc.message)


@bp.errorhandler(TicketError)
def ticket_error(exc: TicketError):
    db().rollback()
    return errors(g.get("o311_fmt", "json"), 400, exc.message)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return errors(g.get("o311_fmt", "json"), exc.code or 500, exc.description or exc.name)


def _contact() -> str:
    return f"{container().settings.public_base_url} · 热线 {os.environ.get('HOTLINE_NUMBER', '12345')}"
