"""Load: the PBX simulator places calls at R per second for S seconds to `callcenter ami-bridge`
(its own process, storing to a throwaway PostgreSQL and publishing through Redis); N agents'
Socket.IO clients are connected to `callcenter serve` (its own process, REDIS_URL mode).
Counts calls placed vs call records stored (must be equal), screen-pop p50/p99 (AgentCalled
written by the simulator → call.ringing in that agent's client) next to a bare python-socketio
baseline, and the RSS of every process at start and end. Loopback only.

    python bench/load.py                                   # 20 calls/s, 60 s, 100 agents
    python bench/load.py --rate 50 --seconds 600 --agents 300  # the full run

    python bench/load.py --rate 50 --seconds 30 --agents 300 --profile-bridge /tmp/b.txt

Bounded: seconds + drain (`--drain`, default 60 s) + about 30 s (set-up, tear-down).
`--profile-bridge` samples the bridge's threads with py-spy (collapsed stacks per thread).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from screen_pop import baseline, close, connect_clients, pct  # noqa: E402
from servers import PostgresServer, RedisServer, free_port, wait_port  # noqa: E402

CLI = Path(sys.executable).parent / "callcenter"
SECRET = "bench-load-secret"
RSS_BOUND = 1.5  # stated bound: no process's private memory ends above 1.5x its start (+ 20 MB)


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory (VmRSS) and private memory (RssAnon) of a process and its children.

    PostgreSQL forks a backend per connection, and each backend's VmRSS counts the pages of
    shared_buffers it has touched, so the VmRSS sum grows as the cache warms up and counts
    shared pages once per backend. A leak grows private memory, so the bound is on RssAnon.
    """
    total = {"VmRSS:": 0, "RssAnon:": 0}
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                key = line.split(maxsplit=1)[0] if line else ""
                if key in total:
                    total[key] += int(line.split()[1])
        except OSError:
            pass
    return total["VmRSS:"] / 1024, total["RssAnon:"] / 1024


def _children(pid: int) -> list[int]:
    try:
        out = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    kids = [int(c) for c in out]
    return kids + [g for k in kids for g in _children(k)]


class Proc:
    """A `callcenter` command in its own process group, output kept in a log file."""

    def __init__(self, name: str, args: list[str], env: dict, folder: str,
                 prefix: list[str] | None = None) -> None:
        self.name, self.log = name, Path(folder) / f"{name}.log"
        self.wrapped = bool(prefix)
        with open(self.log, "wb") as out:
            self.p = subprocess.Popen([*(prefix or []), str(CLI), *args], env=env, stdout=out,
                                      stderr=out,
                                      start_new_session=True)

    def stop(self) -> None:
        if self.p.poll() is None and self.wrapped:  # py-spy writes its file once its child ends
            for child in _children(self.p.pid)[:1]:
                os.kill(child, signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                pass
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()


def seed_agents(db_url: str, n: int) -> list[str]:
    from callcenter import migrate
    from callcenter.bootstrap import build
    from callcenter.config import Settings
    from callcenter.models import User
    from callcenter.services.accounts import hash_password
    from callcenter.services.regions import add_region
    migrate.upgrade(db_url)
    exts = [str(8000 + i) for i in range(n)]
    container = build(Settings(database_url=db_url, secret_key=SECRET))
    with container.sessions.begin() as s:
        region = add_region(s, "340202", "镜湖区", "district", None)
        pw = hash_password("bench-password")
        s.add_all(User(username=f"a{e}", display_name=e, password_hash=pw, role="agent",
                       region=region, extension=e) for e in exts)
    container.close()
    return exts


def sessions_for(url: str, db_url: str, exts: list[str]):
    """Signed-in sessions made with the server's secret (N argon2 log-ins would take long)."""
    from agent_ui import create_app
    from callcenter.config import Settings
    from callcenter.models import User
    from sqlalchemy import select
    import re
    app = create_app(Settings(database_url=db_url, secret_key=SECRET))
    container = app.extensions["callcenter"]
    with container.sessions() as s:
        ids = dict(s.execute(select(User.extension, User.id)).all())

    def make(i: int):
        client = app.test_client()
        with client.session_transaction() as sess:
            sess.update(user_id=ids[exts[i]], extension=exts[i], lang="zh")
        cookie = client.get_cookie("session").value
        page = requests.get(f"{url}/console/", cookies={"session": cookie}, timeout=30)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        return {"Cookie": f"session={page.cookies.get('session') or cookie}"}, {"csrf_token": token}
    return make, container


class Pbx:
    """The simulator on a loop thread; `placed` = linked ids of calls it began."""

    def __init__(self, exts: list[str], speed: float) -> None:
        from integrations.ami.simulator import PBXSimulator
        self.loop = asyncio.new_event_loop()
        self.sim = PBXSimulator(queues={"hotline": exts}, wrapup={"hotline": 1}, speed=speed)
        self.placed: set[str] = set()
        self.rung: dict[str, float] = {}
        self.sim.pbx.listeners.append(self._on_frame)
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self.sim.start(), self.loop).result(10)

    def _on_frame(self, f) -> None:
        if f.get("Event") == "Newchannel" and f.get("Uniqueid") == f.get("Linkedid"):
            self.placed.add(f["Linkedid"])
        elif f.get("Event") == "AgentCalled":
            self.rung.setdefault(f["Linkedid"], time.perf_counter())

    def traffic(self, rate: float, seconds: float):
        from integrations.ami.simulator.scenarios import queued_call

        async def go() -> None:
            tasks, start = [], time.monotonic()
            for k in range(int(rate * seconds)):
                tasks.append(self.sim.spawn(queued_call(self.sim.pbx, number=f"139{k:08d}", name="",
                                                        wait=0.5, talk=3, max_wait=30)))
                await asyncio.sleep(max(0.0, start + (k + 1) / rate - time.monotonic()))
            await asyncio.gather(*tasks, return_exceptions=True)
        return asyncio.run_coroutine_threadsafe(go(), self.loop)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.sim.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def stored(db_url: str, placed: set[str]) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        ids = set(conn.execute(text("SELECT linkedid FROM call_records")).scalars())
    engine.dispose()
    return len(ids & placed)


def run(args) -> dict:
    folder = tempfile.mkdtemp(prefix="cc-load-")
    pg, redis = PostgresServer().start(), RedisServer().start()
    procs: list[Proc] = []
    clients, pbx = [], None
    try:
        db_url = pg.create_database("load")
        exts = seed_agents(db_url, args.agents)
        pbx = Pbx(exts, args.speed)
        port = free_port()
        env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis.url, SECRET_KEY=SECRET,
                   CALLCENTER_INSTANCE=folder, FASTAGI_BIND=f"127.0.0.1:{free_port()}",
                   AMI_URL=pbx.sim.url, AMI_NODE="load", LOG_LEVEL="WARNING")
        web_env = {k: v for k, v in env.items() if k != "AMI_URL"}  # the web has no bridge
        procs.append(Proc("web", ["serve", "--port", str(port)], web_env, folder))
        spy = ([str(Path(sys.executable).parent / "py-spy"), "record", "--threads", "-f", "raw",
                "-r", "50", "-o", args.profile_bridge, "--"]
               if args.profile_bridge else None)  # RSS then includes py-spy's own
        procs.append(Proc("bridge", ["ami-bridge", "--wrapup", "hotline=1"], env, folder, spy))
        wait_port(port, 60)
        url = f"http://127.0.0.1:{port}"
        make_auth, app_container = sessions_for(url, db_url, exts)
        got: dict[str, float] = {}
        clients = connect_clients(url, "/agent", args.agents, make_auth,
                                  lambda d: got.setdefault(d["linkedid"], time.perf_counter()))
        app_container.close()
        time.sleep(2)  # the bridge's first resync
        pids = {"bench (sim + clients)": os.getpid(), "web": procs[0].p.pid,
                "bridge": procs[1].p.pid, "postgres": _postmaster(pg), "redis": redis.proc.pid}
        rss_start = {k: rss_mb(p) for k, p in pids.items()}
        t0 = time.monotonic()
        pbx.traffic(args.rate, args.seconds).result(args.seconds + 120)
        traffic_s = time.monotonic() - t0
        t_end, n_stored = time.monotonic(), 0
        while time.monotonic() < t_end + args.drain:
            n_stored = stored(db_url, pbx.placed)
            if n_stored == len(pbx.placed):
                break
            time.sleep(0.5)
        drain_s = time.monotonic() - t_end
        rss_end = {k: rss_mb(p) for k, p in pids.items()}
        pops = [got[k] - pbx.rung[k] for k in pbx.rung if k in got]
        return {"placed": len(pbx.placed), "stored": n_stored, "pops": pops,
                "rung": len(pbx.rung), "rss": (rss_start, rss_end), "traffic_s": traffic_s,
                "drain_s": drain_s,
                "alive": {p.name: p.p.poll() is None for p in procs}}
    finally:
        close(clients)
        for p in reversed(procs):
            p.stop()
        if pbx is not None:
            pbx.stop()
        redis.cleanup()
        pg.stop()
        print(f"(process logs were in {folder})")


def _postmaster(pg: PostgresServer) -> int:
    return int((pg.dir / "data" / "postmaster.pid").read_text().split()[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--speed", type=float, default=2.0, help="simulator virtual s per real s")
    ap.add_argument("--drain", type=float, default=60.0,
                    help="seconds to wait after the traffic for every record to be stored")
    ap.add_argument("--profile-bridge", metavar="FILE",
                    help="sample the bridge with py-spy (pip install py-spy) into FILE (raw "
                         "collapsed stacks, one thread per stack root)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    started = time.monotonic()
    print(f"{args.agents} agents, {args.rate:g} calls/s for {args.seconds:g} s "
          f"(simulator speed {args.speed:g}x)")
    base = baseline(args.agents, args.rate, min(args.seconds, 10))
    r = run(args)
    b50, b99 = pct(base, 50), pct(base, 99)
    p50, p99 = pct(r["pops"], 50), pct(r["pops"], 99)
    print(f"calls placed {r['placed']}  stored {r['stored']}  "
          f"{'OK: equal' if r['placed'] == r['stored'] else 'MISSING ' + str(r['placed'] - r['stored'])}"
          f"  (traffic took {r['traffic_s']:.0f} s; "
          + (f"records all stored {r['drain_s']:.1f} s after it ended)" if r['placed'] == r['stored']
             else f"not all stored {args.drain:g} s after it ended: the bridge fell behind)"))
    print(f"baseline bare python-socketio   n={len(base):>5} p50 {b50:7.2f} ms  p99 {b99:7.2f} ms")
    print(f"screen-pop under load           n={len(r['pops']):>5}/{r['rung']:<5} "
          f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms   ratio p99 {p99 / b99:5.2f}x")
    start, end = r["rss"]
    print(f"memory MB: VmRSS, and private RssAnon (bound: end ≤ {RSS_BOUND}x start + 20 MB)")
    for name in start:
        ok = end[name][1] <= start[name][1] * RSS_BOUND + 20
        print(f"  {name:<22} RSS {start[name][0]:7.1f} → {end[name][0]:7.1f}   "
              f"private {start[name][1]:7.1f} → {end[name][1]:7.1f}  "
              f"{'ok' if ok else 'ABOVE BOUND'}")
    print(f"processes still up at the end: {r['alive']}")
    print(f"took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
