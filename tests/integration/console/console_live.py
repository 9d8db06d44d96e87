"""A live threaded server for Socket.IO tests, and a logged-in HTTP + Socket.IO client."""
from __future__ import annotations

import queue
import re
import threading
from dataclasses import dataclass, field

import requests
import socketio
from werkzeug.serving import make_server

from callcenter.services.queue_directory import QueueDef
from factories import PASSWORD
from servers import free_port

STREET_QUEUES = [QueueDef("qa1", "街道A1", "340202001", members=("8001",)),
                 QueueDef("qa2", "街道A2", "340202002", members=("8002",)),
                 QueueDef("qb", "区B", "340207")]


class LiveServer:
    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@dataclass
class Browser:
    """One user's cookie session and Socket.IO connection, recording every event it gets."""

    base: str
    http: requests.Session = field(default_factory=requests.Session)
    csrf: str = ""
    events: "queue.Queue[tuple[str, dict]]" = field(default_factory=queue.Queue)
    sio: socketio.Client | None = None

    def login(self, username: str, extension: str = "", page: str = "/") -> "Browser":
        form = self.http.get(f"{self.base}/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        r = self.http.post(f"{self.base}/login", data={"csrf_token": token, "username": username,
                                                      "password": PASSWORD, "extension": extension})
        assert r.status_code == 200, r.text[:500]
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', self.http.get(f"{self.base}{page}").text).group(1)
        return self

    def connect(self, namespace: str, csrf: str | None = None) -> "Browser":
        self.sio = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        _in_wire_order(self.sio)
        for name in ("call.offered", "call.ringing", "call.answered", "call.ended", "call.abandoned",
                     "agent.state", "queue.snapshot", "ticket.changed"):
            self.sio.on(name, self._recorder(name), namespace=namespace)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self.sio.connect(self.base, namespaces=[namespace], headers={"Cookie": cookie},
                         auth={"csrf_token": self.csrf if csrf is None else csrf},
                         transports=["websocket"], wait_timeout=5)
        self.namespace = namespace
        return self

    def _recorder(self, name):
        return lambda data: self.events.put((name, data))

    def snapshot(self) -> list[dict]:
        return self.sio.call("snapshot", None, namespace=self.namespace, timeout=5)

    def next(self, timeout: float = 5.0) -> tuple[str, dict]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            self.sio.disconnect()


def _in_wire_order(sio: socketio.Client) -> None:
    """Handle each message on the reader thread, in the order it came off the socket, as a
    browser's one JS thread does: python-engineio's client starts a thread per message
    (`run_async=True`), so two quick events could be recorded swapped — seen as seq 10
    before 9 once the web process's switch interval was lowered."""
    trigger = sio.eio._trigger_event

    def in_order(event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return trigger(event, *args, **kwargs)

    sio.eio._trigger_event = in_order
