"""The outside world of dispatch, on real sockets: a partner's webhook endpoint and an HTTP
server that answers as Twilio's Messages API does (auth, form fields, error codes)."""
from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import phonenumbers


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.monotonic)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that hung up (a killed worker) is part of the tests, not an error."""


class _Server:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.got_request = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                rec = Received(self.path, dict(self.headers.items()), body)
                with owner.lock:
                    owner.received.append(rec)
                owner.got_request.set()
                status, payload = owner.answer(rec)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, rec: Received):
        raise NotImplementedError


class WebhookTarget(_Server):
    """A partner system: answers from a script of behaviours, then 200; de-duplicates on
    X-Dispatch-Id as docs/dispatch.md tells partners to."""

    def __init__(self) -> None:
        super().__init__()
        self.script: list[tuple] = []   # ("status", 500) | ("sleep", 2.0, 200) | ("hold", Event)
        self.processed: dict[str, int] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tickets"

    def answer(self, rec: Received):
        with self.lock:
            step = self.script.pop(0) if self.script else ("status", 200)
        if step[0] == "sleep":
            time.sleep(step[1])
            step = ("status", step[2])
        elif step[0] == "hold":
            step[1].wait(30)
            step = ("status", 200)
        if step[1] < 300:
            with self.lock:
                key = rec.headers.get("X-Dispatch-Id", "")
                self.processed[key] = self.processed.get(key, 0) + 1
        return step[1], {"ok": step[1] < 300}

    def dispatch_ids(self) -> list[str]:
        with self.lock:
            return [r.headers.get("X-Dispatch-Id") for r in self.received]


class FakeTwilio(_Server):
    """POST /2010-04-01/Accounts/{Sid}/Messages.json with Basic auth, as Twilio answers it."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "tok-test") -> None:
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token
        self.forced: list[tuple[int, int, str]] = []  # (status, code, message) for next requests
        self.messages: list[dict] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, rec: Received):
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        auth = rec.headers.get("Authorization", "")
        good = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if auth != good:
            return self._error(401, 20003, "Authenticate")
        if rec.path != expected:
            return self._error(404, 20404, "The requested resource was not found")
        form = {k: v[0] for k, v in parse_qs(rec.body.decode()).items()}
        with self.lock:
            forced = self.forced.pop(0) if self.forced else None
        if forced:
            return self._error(*forced)
        if not _valid(form.get("To", "")):
            return self._error(400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        sid = "SM" + secrets.token_hex(16)
        msg = {"sid": sid, "account_sid": self.account_sid, "to": form["To"],
               "from": form.get("From"), "body": form["Body"], "status": "queued",
               "direction": "outbound-api", "num_segments": "1", "api_version": "2010-04-01",
               "error_code": None, "error_message": None, "price": None,
               "uri": f"{expected[:-5]}/{sid}.json"}
        with self.lock:
            self.messages.append(msg)
        return 201, msg

    def _error(self, status, code, message):
        return status, {"code": code, "message": message, "status": status,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def _valid(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False
