"""Plumbing shared by the console and the wallboard JSON endpoints: errors, body, telephony."""
from __future__ import annotations

from functools import wraps

from flask import jsonify, request, session
from sqlalchemy import func, select

from agent_ui.web import container, db
from callcenter.models import User
from integrations.ami.actions import TelephonyError
from callcenter.domain.tickets import TicketError
from callcenter.services.queue_directory import QueueDirectory, load_queues


class ConsoleError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_errors(view):
    """Answer {"error": {code, message}} with the right status, for every failure we know."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ConsoleError as exc:
            return _error(exc.status, exc.code, exc.message)
        except TicketError as exc:
            return _error(exc.status, exc.code, exc.message, exc.field)
        except TelephonyError as exc:
            status = {"pbx_disconnected": 503, "bad_request": 400, "not_your_call": 403,
                      "no_such_call": 404, "bridge_timeout": 504}.get(exc.code, 502)
            return _error(status, exc.code, exc.message)
    return wrapped


def _error(status: int, code: str, message: str, field: str | None = None):
    body = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ConsoleError(400, "malformed_json", "send a JSON object")
    return data


def telephony():
    """The call-control adapter serve installed (embedded bridge), else the Redis command channel."""
    extras, settings = container().extras, container().settings
    control = extras.get("call_control")
    if control is None and settings.redis_url:  # gunicorn/compose: `ami-bridge` runs elsewhere
        from integrations.ami.remote_control import RemoteCallControl
        control = extras["call_control"] = RemoteCallControl.from_url(settings.redis_url)
    if control is None:
        raise ConsoleError(503, "no_telephony", "未连接交换机（未设置 AMI_URL，也未以 --demo 启动）")
    return control


def desk_extension(user: User) -> str | None:
    """The extension typed at log-in, unless it is another active user's phone: its pops,
    calls and recordings are that user's (the socket refuses it the same way)."""
    ext = session.get("extension") or user.extension
    if ext and ext != user.extension and db().scalar(select(func.count()).select_from(User).where(
            User.extension == ext, User.id != user.id, User.active.is_(True))):
        raise ConsoleError(403, "extension_taken", f"分机 {ext} 已绑定其他座席，请用本座席的分机登录")
    return ext


def queue_directory() -> QueueDirectory:
    extras = container().extras
    if "queues" not in extras:
        extras["queues"] = QueueDirectory(load_queues())
    return extras["queues"]
