"""Dispatch throughput and commit → webhook latency, vs a bare RQ job POSTing the same body.

Ours: each ticket is opened and dispatched in one transaction (transition, dispatch,
deliveries, outbox), the relay moves the outbox row to Redis, a `callcenter worker`
claims the delivery, POSTs the signed JSON and records the result.
Baseline: `queue.enqueue(post, url, body)` and the same workers POST it, no database.

Both use a real redis-server, two real `callcenter worker` processes and a local HTTP
receiver; latency is measured from the commit (ours) or the enqueue (baseline) to the
request's arrival. Bounded to well under two minutes.

    python bench/dispatch.py [--tickets 100] [--paced 40 --pace 0.25]
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SECRET = "bench-secret-0123456789"


def post(url: str, body: str, dispatch_id: str) -> int:
    """The baseline job: one signed POST, nothing else."""
    import requests

    from integrations.webhook import sign
    data = body.encode()
    resp = requests.post(url, data=data, timeout=10, headers={
        "Content-Type": "application/json; charset=utf-8", "X-Dispatch-Id": dispatch_id,
        "X-Signature": sign(data, SECRET)})
    return resp.status_code


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.lock:
                    owner.arrived.setdefault(self.headers.get("X-Dispatch-Id", ""), time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def wait_for(self, keys: list[str], timeout: float) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if all(k in self.arrived for k in keys):
                    return
            time.sleep(0.01)
        raise SystemExit(f"only {sum(k in self.arrived for k in keys)}/{len(keys)} arrived")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup_world(container):
    from factories import build_world
    from callcenter.models import Base, Department
    Base.metadata.create_all(container.engine)  # the models' schema; tests check it equals the migrations
    with container.sessions.begin() as s:
        world = build_world(s)
    return world, Department


def run_ours(container, world, receiver, n: int, pace: float = 0.0) -> tuple[float, list[float]]:
    from callcenter.models import Department
    from callcenter.services.dispatch import dispatch_ticket
    from callcenter.services.ticket_input import TicketInput
    from callcenter.services.tickets import open_ticket
    with container.sessions.begin() as s:
        s.get(Department, world.departments["MZ"]).channels = [
            {"kind": "portal"}, {"kind": "webhook", "url": receiver.url, "secret": SECRET}]
    dispatcher = container.extras["dispatcher"]
    committed: dict[str, float] = {}
    data = TicketInput(channel="phone", type="help", description="楼道灯不亮，请派人维修",
                       region_id=world.regions["gridA1"], category_id=world.categories["SRV-SD"],
                       address="幸福路1号3栋", caller_phone="+8613800138000")
    start = time.monotonic()
    for _ in range(n):
        with container.sessions.begin() as s:
            number = open_ticket(s, world.actors["agent_a1"], data).number
            d = dispatch_ticket(s, world.actors["agent_a1"], number,
                                {"kind": "department", "id": world.departments["MZ"]},
                                dispatcher.messaging)
            key = str(d.id)
        committed[key] = time.monotonic()
        dispatcher.kick()
        _pace(start, len(committed), pace)
    elapsed = time.monotonic() - start
    receiver.wait_for(list(committed), 90)
    return n / elapsed, [receiver.arrived[k] - t for k, t in committed.items()]


def run_baseline(redis_url: str, receiver, n: int, body: str,
                 pace: float = 0.0) -> tuple[float, list[float]]:
    from redis import Redis
    from rq import Queue
    queue = Queue("dispatch", connection=Redis.from_url(redis_url))
    enqueued: dict[str, float] = {}
    start = time.monotonic()
    for i in range(n):
        key = f"b{i}-{pace}"
        enqueued[key] = time.monotonic()
        queue.enqueue("dispatch.post", receiver.url, body, key)
        _pace(start, i + 1, pace)
    elapsed = time.monotonic() - start
    receiver.wait_for(list(enqueued), 90)
    return n / elapsed, [receiver.arrived[k] - t for k, t in enqueued.items()]


def _pace(start: float, done: int, pace: float) -> None:
    """Open-loop arrivals: item k is sent at start + k·pace, whatever the previous took."""
    if pace:
        time.sleep(max(0.0, start + done * pace - time.monotonic()))


def start_workers(env: dict, count: int) -> list[subprocess.Popen]:
    cli = Path(sys.executable).parent / "callcenter"
    procs = [subprocess.Popen([str(cli), "worker"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(count)]
    time.sleep(2.0)  # let them register and block on the queues
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def report(name: str, rate: float, lat: list[float]) -> tuple[float, float, float]:
    p50, p99 = pct(lat, 50) * 1000, pct(lat, 99) * 1000
    print(f"{name:<28} {rate:8.1f} /s   commit→received p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    return rate, p50, p99


def ratio(name: str, ours: tuple, base: tuple) -> None:
    print(f"ratio ours/baseline ({name}): throughput {ours[0] / base[0]:.2f}x, "
          f"p50 {ours[1] / base[1]:.2f}x, p99 {ours[2] / base[2]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--paced", type=int, default=40)
    parser.add_argument("--pace", type=float, default=0.25, help="seconds between paced items")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from callcenter.bootstrap import build
    from callcenter.config import Settings
    from servers import RedisServer
    tmp = tempfile.mkdtemp(prefix="bench-dispatch-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    redis = RedisServer().start()
    receiver = Receiver()
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis.url, SECRET_KEY="bench",
               CALLCENTER_INSTANCE=tmp, PYTHONPATH=str(Path(__file__).resolve().parent))
    container = build(Settings(instance_path=tmp, database_url=url, redis_url=redis.url,
                               secret_key="bench"))
    procs = []
    try:
        world, _ = setup_world(container)
        procs = start_workers(env, args.workers)
        print(f"burst of {args.tickets}: dispatch rate, and latency including the queue backlog")
        ours = report("ours (outbox → RQ → webhook)", *run_ours(container, world, receiver, args.tickets))
        from sqlalchemy import select

        from callcenter.models import Delivery
        with container.sessions() as s:
            body = s.scalars(select(Delivery.body).where(Delivery.channel == "webhook")).first()
        base = report("baseline (bare RQ POST)", *run_baseline(redis.url, receiver, args.tickets, body))
        ratio("burst", ours, base)
        print(f"paced: {args.paced} items at {1 / args.pace:.0f}/s, below capacity: latency of one item")
        ours = report("ours (outbox → RQ → webhook)",
                      *run_ours(container, world, receiver, args.paced, args.pace))
        base = report("baseline (bare RQ POST)",
                      *run_baseline(redis.url, receiver, args.paced, body, args.pace))
        ratio("paced", ours, base)
        print(f"({args.workers} forking workers, {url.split(':')[0]}, {os.cpu_count()} CPUs)")
    finally:
        stop(procs)
        container.close()
        redis.cleanup()


if __name__ == "__main__":
    main()
