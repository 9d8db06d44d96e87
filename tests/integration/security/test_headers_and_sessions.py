"""Security headers on every response, secure cookies behind TLS, idle sessions expire, and
log-in attempts are rate-limited per client address."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent_ui import create_app
from callcenter.bootstrap import build
from helpers import login

TEMPLATES = Path(__file__).resolve().parents[3] / "agent_ui" / "templates"


def _app(settings, **env_free_changes):
    container = build(settings.with_(**env_free_changes))
    app = create_app(container.settings, container=container)
    app.config.update(TESTING=True)
    return app, container


def test_every_response_carries_the_security_headers(client):
    for path in ("/login", "/healthz", "/no-such-page"):
        h = client.get(path).headers
        csp = h["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert h["X-Frame-Options"] == "DENY"


def test_hsts_and_secure_cookies_only_when_the_public_address_is_https(settings):
    plain, c1 = _app(settings)
    tls, c2 = _app(settings, public_base_url="https://hotline.example.org")
    try:
        assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
        response = tls.test_client().get("/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        cookie = response.headers.get("Set-Cookie", "")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        c1.close()
        c2.close()


def test_signed_in_pages_are_not_cached(client, world):
    login(client, "agent_a1")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_an_idle_session_expires_and_the_user_logs_in_again(client, world, monkeypatch):
    import agent_ui.security as security
    login(client, "agent_a1")
    assert client.get("/").status_code == 200
    now = security.time.time()
    monkeypatch.setattr(security.time, "time", lambda: now + 31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "expired=1" in response.headers["Location"]
    assert client.get("/").status_code == 302  # the session is gone, not just this request


def test_an_expired_api_session_answers_401_json(client, world, monkeypatch):
    import agent_ui.security as security
    login(client, "agent_a1")
    now = security.time.time()
    monkeypatch.setattr(security.time, "time", lambda: now + 31 * 60)
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "session_expired"


def test_activity_keeps_a_session_alive(client, world, monkeypatch):
    import agent_ui.security as security
    login(client, "agent_a1")
    start = security.time.time()
    for minutes in (20, 40, 60):  # never 30 minutes without a request
        monkeypatch.setattr(security.time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/").status_code == 200


def test_log_in_attempts_are_rate_limited_per_address(client, world):
    codes = [login(client, "agent_a1", "wrong").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


@pytest.mark.redis
def test_the_log_in_limit_is_shared_by_web_workers_through_redis(settings, world, redis_server):
    from redis import Redis
    Redis.from_url(redis_server.url).flushdb()
    one, c1 = _app(settings, redis_url=redis_server.url)
    two, c2 = _app(settings, redis_url=redis_server.url)
    try:
        a, b = one.test_client(), two.test_client()
        codes = [login(a if i % 2 else b, "agent_a1", "wrong").status_code for i in range(11)]
    finally:
        c1.close()
        c2.close()
        Redis.from_url(redis_server.url).flushdb()
    assert codes[10] == 429 and 429 not in codes[:10]


def test_templates_carry_no_inline_script_that_the_csp_would_block():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>\s*\S",
                            text)
        handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", text)
        js_urls = re.findall(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", text)
        if inline or handlers or js_urls:
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert not offenders, ("move these scripts into files under agent_ui/static/ (the CSP "
                           f"allows no inline script): {offenders}")
