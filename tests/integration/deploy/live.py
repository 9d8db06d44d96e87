"""Run the deployment's own command lines on loopback: gunicorn as in docker-compose.yml and
nginx with deploy/nginx.conf, its container addresses rewritten to free local ports."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from compose_files import REPO, load_compose

sys.path.insert(0, str(REPO / "tests"))
from servers import ensure_binary, free_port, wait_port  # noqa: E402


def web_command(port: int) -> list[str]:
    """The web service's command from docker-compose.yml, bound to a loopback port."""
    argv = list(load_compose()["services"]["web1"]["command"])
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [str(Path(sys.executable).with_name(argv[0])), *argv[1:]]


def start_web(port: int, env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(web_command(port), env={**os.environ, **env}, cwd=log.parent,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    proc.wait(20)


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited:\n{log.read_text(errors='replace')}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout}s:\n{log.read_text(errors='replace')}")


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Nginx:
    """deploy/nginx.conf with upstreams, listen ports and file paths made local."""

    def __init__(self, folder: Path, upstream_ports: list[int]) -> None:
        self.binary = ensure_binary("nginx", "nginx-light")
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()
        self.cert, _ = self_signed_cert(folder)
        self.access_log = folder / "access.log"
        self.conf = folder / "nginx.conf"
        self.conf.write_text(self._rewrite(upstream_ports), encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def _rewrite(self, ports: list[int]) -> str:
        text = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
        for i, port in enumerate(ports, start=1):
            text = text.replace(f"server web{i}:8000", f"server 127.0.0.1:{port}")
        replacements = {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};", "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "", "/etc/nginx/certs/": f"{self.folder}/",
            "pid /tmp/nginx.pid;": f"pid {self.folder}/nginx.pid;",
            "access_log /dev/stdout main;": f"access_log {self.access_log} main;",
            "error_log /dev/stderr warn;": f"error_log {self.folder}/error.log warn;",
        }
        for old, new in replacements.items():
            assert old in text, f"deploy/nginx.conf no longer contains {old!r}"
            text = text.replace(old, new)
        temp = "\n".join(f"    {kind}_temp_path {self.folder}/{kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        text = text.replace("http {", "http {\n" + temp, 1)
        # Workers of a root master run as nobody, who cannot enter pytest's 0700 folders.
        return ("user root;\n" if os.geteuid() == 0 else "") + text

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run([self.binary, "-t", "-p", str(self.folder), "-c", str(self.conf),
                               "-e", str(self.folder / "error.log")],
                              capture_output=True, text=True)

    def start(self) -> "Nginx":
        self.proc = subprocess.Popen([self.binary, "-p", str(self.folder), "-c", str(self.conf),
                                      "-e", str(self.folder / "error.log"), "-g",
                                      "daemon off;"], stderr=subprocess.DEVNULL)
        wait_port(self.https_port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def upstreams(self) -> list[str]:
        """The worker of each proxied request; "-" marks one nginx answered itself (the
        HTTPS redirect), which may land in the log late, after a test emptied it."""
        found = [line.rsplit('"', 2)[-2] for line in
                 self.access_log.read_text().splitlines() if line.strip()]
        return [u for u in found if u != "-"]
