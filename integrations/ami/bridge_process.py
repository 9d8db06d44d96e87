"""What `callcenter ami-bridge` runs beside the bridge when REDIS_URL is set: the heartbeat
that /healthz reads, and the consumer of the web workers' call-control commands."""
from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

from integrations.ami.actions import Telephony
from integrations.ami.bridge import AMIBridge
from integrations.ami.remote_control import (COMMAND_POLL, CommandRunner, announce_extensions,
                                             serve_commands)
from integrations.heartbeat import Heartbeats, beat_bridge


def node_name(explicit: str | None = None) -> str:
    return explicit or socket.gethostname()


def node_file(settings, node: str, stem: str) -> str:
    """`<instance>/<stem>-<node>.jsonl`: where this node's bridge keeps what must survive it
    (records the database refused, intake jobs Redis has not taken). Named by node, so
    bridges sharing the instance volume never touch each other's files."""
    folder = Path(settings.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{stem}-{_safe(node)}.jsonl")


def _safe(node: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", node) or "node"


async def run_bridge(bridge: AMIBridge, redis_url: str | None, node: str,
                     beat_every: float = 10.0, extensions: set[str] | None = None) -> None:
    """Run the bridge until it stops; with Redis, beat, announce this node's extensions and
    serve commands (this node's and the shared ones) alongside it."""
    helpers: list[asyncio.Task] = []
    stopping = asyncio.Event()
    if redis_url:
        helpers.append(asyncio.create_task(
            beat_bridge(bridge, Heartbeats(redis_url), node, interval=beat_every)))
        helpers.append(asyncio.create_task(
            announce_extensions(bridge, redis_url, node, extensions or set())))
        helpers.append(asyncio.create_task(
            serve_commands(CommandRunner(Telephony(bridge)), redis_url, node=node,
                           stopping=stopping)))
    try:
        await bridge.run()
    finally:
        await _end(helpers, stopping)


async def _end(helpers: list[asyncio.Task], stopping: asyncio.Event) -> None:
    """Let the command consumer finish its blocking pop (see serve_commands), cancel the
    rest, and never wait on a helper for ever: a stuck one is cancelled and left."""
    if not helpers:
        return
    stopping.set()
    for task in helpers[:-1]:  # the consumer is the last one
        task.cancel()
    _done, pending = await asyncio.wait(helpers, timeout=COMMAND_POLL + 2)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)
