"""deploy/nginx.conf in front of two gunicorn web workers started with the compose command."""
from __future__ import annotations

import pytest
import requests

from live import Nginx, start_web, stop
from servers import free_port


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("stack")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite'}", "SECRET_KEY": "deploy-test-secret",
           "CALLCENTER_INSTANCE": str(tmp_path / "instance"), "TRUSTED_PROXY_HOPS": "1",
           "PUBLIC_BASE_URL": "https://127.0.0.1", "LOG_FORMAT": "json"}
    ports = [free_port(), free_port()]
    webs = []
    nginx = Nginx(tmp_path, ports)
    try:
        for i, port in enumerate(ports):
            webs.append(start_web(port, env, tmp_path / f"web{i}.log"))
        yield nginx.start(), ports
    finally:
        nginx.stop()
        for web in webs:
            stop(web)


def test_nginx_accepts_the_shipped_configuration(tmp_path):
    result = Nginx(tmp_path, [free_port(), free_port()]).check()
    assert result.returncode == 0, result.stderr


def test_plain_http_is_redirected_to_https(stack):
    nginx, _ = stack
    response = requests.get(f"http://127.0.0.1:{nginx.http_port}/login", allow_redirects=False,
                            timeout=5)
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


def test_a_browser_keeps_reaching_the_same_worker_through_its_route_cookie(stack):
    nginx, ports = stack
    nginx.access_log.write_text("")
    with requests.Session() as browser:
        first = browser.get(f"{nginx.base}/login", verify=str(nginx.cert), timeout=5)
        assert first.status_code == 200 and "cc_route" in browser.cookies
        for _ in range(15):
            browser.get(f"{nginx.base}/login", verify=str(nginx.cert), timeout=5)
    assert len(set(nginx.upstreams())) == 1


def test_browsers_without_a_route_cookie_spread_over_both_workers(stack):
    nginx, ports = stack
    nginx.access_log.write_text("")
    for _ in range(30):
        requests.get(f"{nginx.base}/login", verify=str(nginx.cert), timeout=5)
    assert {u.rsplit(":", 1)[1] for u in nginx.upstreams()} == {str(p) for p in ports}


def test_the_app_sees_https_through_the_proxy_and_marks_cookies_secure(stack):
    nginx, _ = stack
    response = requests.get(f"{nginx.base}/login", verify=str(nginx.cert), timeout=5)
    session_cookie = [c for c in response.cookies if c.name == "session"]
    assert session_cookie and all(c.secure for c in session_cookie)
