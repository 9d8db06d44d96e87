"""What the public pages share: the rate limiter, the SMS sender, the elderly-friendly
mode (a cookie, so it stays on), and the hotline shown in every footer."""
from __future__ import annotations

import os

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from agent_ui.web import container

A11Y_COOKIE = "cc_large"
ONE_YEAR = 365 * 24 * 3600

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_limiter(app: Flask) -> None:
    """Counters live in Redis when REDIS_URL is set (shared by every web worker)."""
    settings = app.extensions["callcenter"].settings
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "cc-limits")
    limiter.init_app(app)


def limit(name: str, default: str) -> str:
    """A limit string from the environment (e.g. HALL_SUBMIT_LIMIT=5/minute;30/day)."""
    return os.environ.get(name, default)


def sms_sender():
    """The configured SmsSender: container.extras["sms"], else Twilio from the settings,
    else None (the demo then shows the code on screen; production refuses to send)."""
    c = container()
    if "sms" in c.extras:
        return c.extras["sms"]
    from integrations.verification_sms import TwilioCodeSms
    sender = TwilioCodeSms.from_settings(c.settings)
    c.extras["sms"] = sender
    return sender


class ScreenOnlySms:
    """Demo without an SMS gateway: nothing is sent; the page shows the code instead."""

    def send_sms(self, to: str, body: str) -> str:
        return "demo-screen"


def large_text() -> bool:
    return request.cookies.get(A11Y_COOKIE) == "1"


def public_context() -> dict:
    c = current_app.extensions["callcenter"]
    return {"large_text": large_text(),
            "hotline": os.environ.get("HOTLINE_NUMBER", "12345"),
            "hotline_name": os.environ.get("HOTLINE_NAME", "社区服务热线"),
            "demo_mode": c.settings.demo}


def local_time(value) -> str:
    from callcenter.domain.calendar import SHANGHAI
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def local_date(value) -> str:
    from callcenter.domain.calendar import SHANGHAI
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d") if value else ""
