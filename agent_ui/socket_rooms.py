"""python-socketio's client managers with their room bookkeeping under one lock.

The managers keep who is in which room in plain dicts and update them check-then-act
(`if namespace not in self.rooms: self.rooms[namespace] = {}`, the same for each room and
the pending-connect lists, and delete them when they empty), with no lock: fine on one
event loop, not in threading mode, where every Socket.IO connection runs on its own
thread. When agents connect at once — a web restart, a shift starting — two threads can
each create a namespace's or a room's dict, and the later one replaces the other's: the
first agent's `join_room` then fails (KeyError: it never connects), or, worse, its room
entry is gone while its socket stays up, and it gets no screen-pop at all. The screen-pop
bench hit both (one connect refused; once, one pop of 200 never arriving), and
tests/unit/console/test_socket_room_races.py reproduces them against the unlocked manager.
Emitting needs no lock: it reads a copy of the room (`get_participants`).
"""
from __future__ import annotations

import threading

import socketio

# every method of socketio.Manager (and the base manager) that changes the rooms, the pending
# lists or the callbacks, or iterates them without a copy
GUARDED = ("pre_connect", "connect", "is_pre_connected", "is_connected", "pre_disconnect",
           "basic_disconnect", "basic_enter_room", "basic_leave_room", "basic_close_room",
           "get_rooms", "_generate_ack_id", "trigger_callback")


class LockedRooms:
    """Mixin, before a python-socketio manager class: its bookkeeping under one RLock (the
    methods call each other: connect → pre_connect → basic_enter_room)."""

    def __init__(self, *args, **kwargs) -> None:
        self.rooms_lock = threading.RLock()
        super().__init__(*args, **kwargs)


def _guard(name: str):
    def guarded(self, *args, **kwargs):
        with self.rooms_lock:
            return getattr(super(LockedRooms, self), name)(*args, **kwargs)
    guarded.__name__ = name
    return guarded


for _name in GUARDED:
    setattr(LockedRooms, _name, _guard(_name))


class LockedManager(LockedRooms, socketio.Manager):
    """The in-process manager (embedded mode)."""


class LockedRedisManager(LockedRooms, socketio.RedisManager):
    """The Redis message-queue manager (REDIS_URL)."""


def room_manager(redis_url: str | None, channel: str):
    return LockedRedisManager(redis_url, channel=channel) if redis_url else LockedManager()
