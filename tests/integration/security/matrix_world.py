"""The access-matrix walk's world: its own migrated database, the factories' users, a ticket
and a resident in street A1, and one signed-in test client (with CSRF token) per user."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from callcenter import migrate
from callcenter.bootstrap import build
from callcenter.config import Settings
from callcenter.ports import RecordingEvents
from helpers import PASSWORD


@dataclass
class MatrixWorld:
    app: object
    container: object
    objects: dict
    clients: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def relogin(self, user: str) -> None:
        client = self.app.test_client()
        if user != "anonymous":
            page = client.get("/login").data.decode()
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            response = client.post("/login", data={"username": user, "password": PASSWORD,
                                                   "csrf_token": token})
            assert response.status_code == 302, f"{user} cannot log in"
        page = client.get("/login").data.decode()
        self.tokens[user] = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        self.clients[user] = client

    def request(self, user: str, method: str, url: str):
        """Send a minimal well-formed body (JSON to JSON endpoints), so that authorisation,
        not the media type, decides; a 400 for missing fields still counts as let in."""
        token, client = self.tokens[user], self.clients[user]
        headers = {"X-CSRFToken": token}
        if method == "GET":
            return client.open(url, method=method, headers=headers)
        if "/api/" in url:
            return client.open(url, method=method, headers=headers, json={})
        return client.open(url, method=method, headers=headers,
                           data={"csrf_token": token, "field": "phone"})


def _objects(container, world) -> dict:
    from callcenter.models import Resident, ResidentPhone
    from callcenter.services import tickets
    from callcenter.services.ticket_input import TicketInput
    with container.sessions.begin() as s:
        ticket = tickets.open_ticket(s, world.actors["agent_a1"], TicketInput.parse({
            "channel": "phone", "type": "help", "description": "楼道灯不亮",
            "region_id": world.regions["gridA1"], "category_id": world.categories["SRV-SD"],
            "caller_phone": "138 0013 8000"}), events=RecordingEvents())
        resident = Resident(name="张三", address="A1 1号", region_id=world.regions["gridA1"])
        s.add(resident)
        s.flush()
        s.add(ResidentPhone(resident_id=resident.id, e164="+8613800138000", last4="8000"))
        return {"number": ticket.number, "resident_id": resident.id}


def build_matrix_world(folder, users) -> MatrixWorld:
    from agent_ui import create_app
    from factories import build_world
    url = f"sqlite:///{folder / 'matrix.sqlite'}"
    migrate.upgrade(url)
    settings = Settings(instance_path=str(folder / "instance"), database_url=url,
                        secret_key="matrix-secret", debug=True)
    container = build(settings, events=RecordingEvents())
    with container.sessions.begin() as s:
        world = build_world(s)
    objects = _objects(container, world)
    saved = os.environ.get("LOGIN_RATE_LIMIT")
    os.environ["LOGIN_RATE_LIMIT"] = "100000 per minute"  # the walk logs in again and again
    try:
        app = create_app(settings, container=container)
    finally:
        os.environ.pop("LOGIN_RATE_LIMIT") if saved is None else \
            os.environ.__setitem__("LOGIN_RATE_LIMIT", saved)
    app.config.update(TESTING=True)
    from agent_ui.hall.common import limiter
    with app.app_context():
        limiter.reset()  # counters are process-wide: earlier tests' log-ins must not count here
    walk = MatrixWorld(app=app, container=container, objects=objects)
    for user in users:
        walk.relogin(user)
    return walk
