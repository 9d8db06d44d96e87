"""Steps of the hall's pages that touch several services: reading the form and files,
sending a code, remembering which tickets this browser proved it may see."""
from __future__ import annotations

import time

from flask import current_app, request, session

from agent_ui.hall.common import ScreenOnlySms, sms_sender
from agent_ui.web import container, db
from callcenter.models.base import utcnow
from callcenter.services import verification
from callcenter.services.attachments import Upload

TRACK_SECONDS = 2 * 3600
HONEYPOT = "website"


class NoSmsError(Exception):
    code = "sms_unconfigured"


def form_values() -> dict:
    return {k: request.form.get(k, "") for k in (
        "service_code", "type", "description", "region_code", "address", "phone")}


def uploads() -> list[Upload]:
    return [Upload(f.filename or "", f.read()) for f in request.files.getlist("files")
            if f and (f.filename or f.content_length)]


def is_bot() -> bool:
    """The honeypot: a field people never see (and screen readers skip) came back filled."""
    return bool(request.form.get(HONEYPOT, "").strip())


def send_code(phone: str, purpose: str, subject: str) -> str | None:
    """Text a code; return it only when the demo shows codes on screen. Raises
    TooManyCodesError, SmsError, or NoSmsError when no gateway is configured."""
    sender = sms_sender()
    demo = sender is None and container().settings.demo
    if sender is None and not demo:
        raise NoSmsError("短信服务尚未配置，请拨打热线办理")
    issued = verification.issue_code(
        db(), phone, purpose, subject, sender or ScreenOnlySms(),
        current_app.config["SECRET_KEY"], utcnow(),
        sender_name=current_app.jinja_env.globals.get("hotline_name", "社区服务热线"))
    return issued.code if demo else None


def check_code(phone: str, purpose: str, subject: str, code: str) -> str:
    return verification.verify_code(db(), phone, purpose, subject, code,
                                    current_app.config["SECRET_KEY"], utcnow())


def remember_tracked(number: str) -> None:
    """This browser proved the phone for `number`: let it see the ticket for two hours."""
    tracked = {k: v for k, v in session.get("hall_tracked", {}).items() if v > time.time()}
    tracked[number] = time.time() + TRACK_SECONDS
    session["hall_tracked"] = tracked


def may_see(number: str) -> bool:
    return session.get("hall_tracked", {}).get(number, 0) > time.time()


CODE_ERRORS = {"wrong": "验证码不正确，请再试一次", "expired": "验证码已过期，请重新获取",
               "locked": "输错次数太多，请重新获取验证码"}
