"""Screen-pop latency: from an AgentCalled frame written to the bridge's AMI socket (by the
PBX simulator) to `call.ringing` received by that agent's Socket.IO client, with N
agents connected and calls at R per second — embedded and Redis message-queue modes —
next to a bare python-socketio targeted emit → receive on the same machine.

    python bench/screen_pop.py [--agents 200] [--rate 20] [--seconds 5]

Bounded: well under 3 minutes with the defaults.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import requests  # noqa: E402
import socketio  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from servers import RedisServer, free_port  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


class Server:
    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def connect_clients(url: str, namespace: str, n: int, make_auth, on_ringing) -> list[socketio.Client]:
    clients = []
    for i in range(n):
        c = socketio.Client(reconnection=False)
        c.on("call.ringing", on_ringing, namespace=namespace)
        headers, auth = make_auth(i)
        c.connect(url, namespaces=[namespace], headers=headers, auth=auth, transports=["websocket"],
                  wait_timeout=10)
        clients.append(c)
    return clients


def close(clients: list[socketio.Client]) -> None:
    for c in clients:
        try:
            c.eio.ws.close(timeout=0.05)  # werkzeug does not answer close frames: don't wait
        except Exception:  # noqa: BLE001
            pass
        c.disconnect()


# -- baseline: bare python-socketio, targeted emit → receive ------------------------------
def baseline(agents: int, rate: float, seconds: float) -> list[float]:
    sio = socketio.Server(async_mode="threading")

    @sio.on("connect")
    def on_connect(sid, environ, auth):
        sio.enter_room(sid, f"agent:{auth['ext']}")

    server = Server(socketio.WSGIApp(sio))
    got: dict[str, float] = {}
    clients = connect_clients(server.url, "/", agents, lambda i: ({}, {"ext": str(8000 + i)}),
                              lambda data: got.__setitem__(data["id"], time.perf_counter()))
    sent: dict[str, float] = {}
    for k in range(int(rate * seconds)):
        ext = str(8000 + k % agents)
        sent[str(k)] = time.perf_counter()
        sio.emit("call.ringing", {"id": str(k), "extension": ext}, to=f"agent:{ext}")
        time.sleep(1 / rate)
    time.sleep(1)
    close(clients)
    server.stop()
    return [got[k] - sent[k] for k in sent if k in got]


# -- the product: simulator → AMI → bridge → publisher → Flask-SocketIO --------------------
def product(agents: int, rate: float, seconds: float, redis_url: str | None) -> list[float]:
    container, app, exts = _app(agents, redis_url)
    thread, sim = _telephony(container, exts, redis_url)
    server = Server(app)
    sent, got = {}, {}
    sim.pbx.listeners.append(lambda f: f["Event"] == "AgentCalled" and
                             sent.setdefault(f["Linkedid"], time.perf_counter()))
    clients = connect_clients(server.url, "/agent", agents, _auth(server.url, app, container, exts),
                              lambda data: got.setdefault(data["linkedid"], time.perf_counter()))
    future = asyncio.run_coroutine_threadsafe(_calls(sim, exts, rate, seconds), thread.loop)
    future.result(seconds + 30)
    time.sleep(1)
    close(clients)
    server.stop()
    thread.stop()
    container.close()
    return [got[k] - sent[k] for k in sent if k in got]


async def _calls(sim, exts: list[str], rate: float, seconds: float) -> None:
    from integrations.ami.simulator import flows
    pbx = sim.pbx

    async def one(k: int) -> None:
        call = flows.start_call(pbx, f"138{k:08d}", "")
        flows.enqueue(pbx, call, "hotline")
        flows.ring(pbx, call, exts[k % len(exts)])
        await asyncio.sleep(1.0)
        flows.teardown(pbx, call, by="caller")

    tasks = []
    for k in range(int(rate * seconds)):
        tasks.append(asyncio.create_task(one(k)))
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)


def _app(agents: int, redis_url: str | None):
    from callcenter import migrate
    from callcenter.bootstrap import build
    from callcenter.config import Settings
    from callcenter.models import User
    from callcenter.services.accounts import hash_password
    from callcenter.services.queue_directory import QueueDef, QueueDirectory
    from callcenter.services.regions import add_region
    from agent_ui import create_app
    folder = tempfile.mkdtemp(prefix="cc-bench-")
    url = f"sqlite:///{folder}/bench.sqlite"
    migrate.upgrade(url)
    container = build(Settings(instance_path=folder, database_url=url, secret_key="bench",
                               debug=True, redis_url=redis_url))
    exts = [str(8000 + i) for i in range(agents)]
    with container.sessions.begin() as s:
        region = add_region(s, "340202", "镜湖区", "district", None)
        pw = hash_password("bench-password")
        s.add_all(User(username=f"a{e}", display_name=e, password_hash=pw, role="agent", region=region,
                       extension=e) for e in exts)
    container.extras["queues"] = QueueDirectory([QueueDef("hotline", "综合服务", "340202")])
    return container, create_app(container.settings, container=container), exts


def _telephony(container, exts: list[str], redis_url: str | None):
    from integrations.ami.runtime import TelephonyThread
    from integrations.ami.simulator import PBXSimulator
    from integrations.push import bridge_publisher
    events = container.events
    if redis_url:  # what `callcenter ami-bridge` builds with REDIS_URL (outbox thread + mirror)
        events = bridge_publisher(redis_url, container.extras["queues"])
    sim = PBXSimulator(queues={"hotline": exts})
    thread = TelephonyThread(None, events, simulator=sim).start()
    asyncio.run_coroutine_threadsafe(thread.bridge.resynced.wait(), thread.loop).result(15)
    return thread, sim


def _auth(url: str, app, container, exts: list[str]):
    """A signed-in session per agent, made by the app itself (200 argon2 log-ins take long)."""
    from callcenter.models import User
    from sqlalchemy import select
    with container.sessions() as s:
        ids = dict(s.execute(select(User.extension, User.id)).all())

    def make(i: int):
        client = app.test_client()
        with client.session_transaction() as sess:
            sess.update(user_id=ids[exts[i]], extension=exts[i], lang="zh")
        cookie = client.get_cookie("session").value
        page = requests.get(f"{url}/console/", cookies={"session": cookie}, timeout=10)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        return {"Cookie": f"session={page.cookies.get('session') or cookie}"}, {"csrf_token": token}
    return make


def report(name: str, values: list[float], expected: int) -> tuple[float, float]:
    p50, p99 = pct(values, 50), pct(values, 99)
    print(f"{name:<34} n={len(values):>4}/{expected:<4} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    return p50, p99


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # close frames read as HTTP: noise
    started, n = time.monotonic(), int(args.rate * args.seconds)
    print(f"{args.agents} agents connected, {args.rate:g} calls/s for {args.seconds:g} s")
    base = report("baseline: bare python-socketio", baseline(args.agents, args.rate, args.seconds), n)
    emb = report("screen-pop, embedded", product(args.agents, args.rate, args.seconds, None), n)
    redis = RedisServer().start()
    try:
        red = report("screen-pop, Redis message queue", product(args.agents, args.rate, args.seconds,
                                                                redis.url), n)
    finally:
        redis.cleanup()
    for name, (p50, p99) in (("embedded", emb), ("Redis", red)):
        print(f"ratio {name:<9} p50 {p50 / base[0]:5.2f}x   p99 {p99 / base[1]:5.2f}x  (aim: p99 ≤ 2x)")
    print(f"took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
