"""Socket.IO namespaces `/agent` and `/supervisor`: authenticated by the web session (and its
CSRF token), each connection joins only the rooms its user may see, and asks for a
snapshot of them on (re)connect before applying events.
"""
from __future__ import annotations

import atexit
import logging

from flask import request, session
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO, join_room, rooms
from flask_wtf.csrf import validate_csrf
from sqlalchemy import func, select
from wtforms import ValidationError

from agent_ui.extensions import socketio as default_socketio
from agent_ui.socket_rooms import room_manager
from agent_ui.web import container, current_user, db
from integrations.push import CHANNEL
from callcenter.models import User
from callcenter.ports import InProcessEvents
from callcenter.services.queue_directory import QueueDirectory, load_queues

log = logging.getLogger(__name__)
SUPERVISORS = ("supervisor", "admin")


def _authenticate(auth, roles: tuple[str, ...]) -> User:
    """The session's user, if the CSRF token from our page came with the handshake."""
    user = current_user()
    if user is None:
        raise ConnectionRefusedError("unauthorized")
    token = auth.get("csrf_token") if isinstance(auth, dict) else None
    try:
        validate_csrf(token)
    except ValidationError:
        raise ConnectionRefusedError("csrf") from None
    if user.role not in roles:
        raise ConnectionRefusedError("forbidden")
    return user


def agent_extension(user: User) -> str:
    """The desk extension this agent logged in with; refuse one bound to another user."""
    ext = session.get("extension") or user.extension
    if not ext:
        raise ConnectionRefusedError("no_extension")
    owner = db().scalar(select(func.count()).select_from(User).where(
        User.extension == ext, User.id != user.id, User.active.is_(True)))
    if owner:
        raise ConnectionRefusedError("extension_taken")
    return ext


def queues() -> QueueDirectory:
    extras = container().extras
    if "queues" not in extras:
        extras["queues"] = QueueDirectory(load_queues())
    return extras["queues"]


def live():
    """Where snapshots come from: the publisher (embedded) or the Redis mirror."""
    return container().extras["live"]


def _snapshots(namespace: str) -> list[dict]:
    joined = [r for r in rooms(request.sid, namespace=namespace) if ":" in r]
    return [live().snapshot(room) for room in sorted(joined)]


class AgentNamespace(Namespace):
    def on_connect(self, auth=None):
        user = _authenticate(auth, ("agent",))
        ext = agent_extension(user)
        join_room(f"agent:{ext}")
        log.info("agent socket %s joined agent:%s (user %s)", request.sid, ext, user.id)

    def on_snapshot(self, _data=None):
        return _snapshots(self.namespace)


class SupervisorNamespace(Namespace):
    def on_connect(self, auth=None):
        user = _authenticate(auth, SUPERVISORS)
        path = user.region.path
        for q in queues().visible_to(db(), path):
            join_room(f"queue:{q.name}")
        join_room(f"region:{path}")
        log.info("supervisor socket %s joined the queues of region %s", request.sid, user.region_id)

    def on_snapshot(self, _data=None):
        return _snapshots(self.namespace)


def init_realtime(app, container_, socketio=None) -> None:
    """Bind Socket.IO to the app and give the container a live publisher and snapshot reader.

    The shared `extensions.socketio` serves the first app of the process; any later app
    (tests build many) gets its own instance, since a SocketIO bound twice routes one
    app's connections through the other's handlers. A fresh client manager is passed
    too: init_app keeps its options between calls.
    """
    sio = socketio or (default_socketio if default_socketio.server is None else SocketIO())
    settings = container_.settings
    from integrations.push import hand_over_quickly
    hand_over_quickly()  # the sockets' writer threads get the GIL within 0.1 ms
    manager = room_manager(settings.redis_url, CHANNEL)  # rooms under a lock: socket_rooms.py
    sio.init_app(app, async_mode="threading", client_manager=manager, cors_allowed_origins=None,
                 ping_interval=10, ping_timeout=10)
    if not getattr(sio, "_cc_namespaces", False):
        sio.on_namespace(AgentNamespace("/agent"))
        sio.on_namespace(SupervisorNamespace("/supervisor"))
        sio._cc_namespaces = True
    app.extensions["callcenter_socketio"] = sio
    if "live" not in container_.extras:
        container_.extras["live"] = _publisher(sio, settings, container_)
    if isinstance(container_.events, InProcessEvents):
        publisher = container_.extras["live"]
        container_.events.subscribe(lambda name, payload, room: publisher.publish(name, payload, room=room))


def _publisher(sio, settings, container_):
    from integrations.push import LivePublisher, MemoryMirror, RedisMirror, SocketIOEmitter
    directory = container_.extras.get("queues") or QueueDirectory(load_queues())
    container_.extras["queues"] = directory

    if not settings.redis_url:
        return LivePublisher(SocketIOEmitter(sio), MemoryMirror(), thresholds=thresholds_of(directory))
    # Redis writes stay off the bridge's loop when it runs in this process (push.py).
    publisher = LivePublisher(SocketIOEmitter(sio), RedisMirror(settings.redis_url),
                              thresholds=thresholds_of(directory), threaded=True)
    atexit.register(publisher.close)
    return publisher


def thresholds_of(directory: QueueDirectory):
    """(service-level seconds, wait-alert seconds) of a queue, for the live figures."""
    def thresholds(queue: str) -> tuple[int, int]:
        q = directory.get(queue)
        return (q.service_level_seconds, q.wait_alert_seconds) if q else (15, 60)
    return thresholds
