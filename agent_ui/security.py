"""App-wide hardening: security headers, idle session expiry, the log-in rate limit and
start-up warnings for telephony listeners exposed beyond private networks."""
from __future__ import annotations

import logging
import time

from flask import current_app, Flask, jsonify, redirect, request, session, url_for

from callcenter.ops.config import OpsSettings
from callcenter.ops.exposure import ami_url_warning, bind_warning

log = logging.getLogger(__name__)

# No 'unsafe-inline' for scripts: every script is a file under /static. Styles may be inline
# (style attributes in templates) – they cannot run code. connect-src allows the Socket.IO
# WebSocket on the same host.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; "
       "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
LAST_SEEN = "last_seen"
TOUCH_EVERY = 60  # seconds: refresh the idle clock at most once a minute


def init_security(app: Flask, ops: OpsSettings) -> None:
    https = app.extensions["callcenter"].settings.public_base_url.startswith("https://")
    app.config.update(SESSION_COOKIE_SECURE=https, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    app.after_request(_headers(https))
    app.before_request(_idle_expiry(ops.session_idle_minutes * 60))
    app.after_request(_touch)
    _limit_login(app, ops.login_rate_limit)
    warn_exposed_listeners(app.extensions["callcenter"].settings)


def _headers(https: bool):
    def add(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if https:
            h.setdefault("Strict-Transport-Security", HSTS)
        if "user_id" in session:  # signed-in pages hold personal data: keep them out of caches
            h.setdefault("Cache-Control", "no-store")
        return response
    return add


def _idle_expiry(idle_seconds: int):
    def check():
        if "user_id" not in session or LAST_SEEN not in session:
            return None
        idle = int(time.time()) - int(session[LAST_SEEN])
        if idle > idle_seconds:
            log.info("session expired after %ss idle (user id %s)", idle, session.get("user_id"))
            session.clear()
            return _expired_response()
        return None
    return check


def _touch(response):
    """Restart the idle clock of a signed-in session (at most once a minute: fewer cookies)."""
    if "user_id" in session and request.endpoint not in ("static", "ops.healthz", "ops.metrics"):
        now = int(time.time())
        if now - int(session.get(LAST_SEEN, 0)) >= TOUCH_EVERY:
            session[LAST_SEEN] = now
    return response


def _expired_response():
    wants_json = request.path.startswith("/api/") or request.is_json or \
        request.accept_mimetypes.best == "application/json"
    if wants_json:
        return jsonify({"error": {"code": "session_expired",
                                  "message": "session expired: log in again"}}), 401
    return redirect(url_for("auth.login", next=request.full_path, expired=1))


_limited_login_view = None


def _limit_login(app: Flask, limit: str) -> None:
    """Rate-limit log-in POSTs per client address with the app's limiter (Redis or memory)."""
    from agent_ui.hall.common import init_limiter, limiter
    if limiter not in app.extensions.get("limiter", set()):
        init_limiter(app)
    # The limiter is process-wide and keys limits by view name: register the limit once,
    # reading each app's own value per request (a second registration would count twice).
    app.config["LOGIN_RATE_LIMIT"] = limit
    global _limited_login_view
    if "auth.login" not in app.view_functions:
        return
    if _limited_login_view is None:
        _limited_login_view = limiter.limit(
            lambda: current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute"),
            methods=["POST"], scope="login",
            error_message="too many log-in attempts: wait a minute")(app.view_functions["auth.login"])
    app.view_functions["auth.login"] = _limited_login_view


def warn_exposed_listeners(settings) -> list[str]:
    """Log (and return) a warning for AMI / FastAGI endpoints beyond private networks."""
    warnings = [w for w in (bind_warning("FastAGI", settings.fastagi_bind),
                            ami_url_warning(settings.ami_url)) if w]
    for warning in warnings:
        log.warning(warning)
    return warnings
