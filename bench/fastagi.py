"""FastAGI benchmark: our IVR server vs a bare asyncio AGI server, same wire traffic.

200 simulated Asterisk connections each run calls through a 6-input menu (ticket status,
hear it three more times, then an agent) for a fixed time per server. Prints per-command
round trip p50/p99 (reply sent → next command received, i.e. the server's turnaround),
calls/s, and the ratios. Then times the classic pyst2 script's start-up per call.

Servers: the bare baseline; the IVR with the in-memory demo directory (the engine alone);
and the production path — the IVR built as `callcenter fastagi` builds it, over a migrated
SQLite database seeded with RESIDENTS residents, every call from a different resident
asking about that resident's own ticket (so no answer can be served from a cache).
A fourth row, for information only, is the bare server reading at most 16 KiB per recv as
the IVR does (decisions/0011); the ratios are against the baseline.
Run: python bench/fastagi.py [--seconds 6] [--concurrency 200]   (bounded to < 60 s)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEMO_CALLER = ("13800138000", "20261127001")  # a resident of ivr/demo.py and their ticket
CLOCK = "2026-11-27T10:00:00+08:00"
RESIDENTS = 20_000
# Not the baseline: the bare server reading at most 16 KiB per recv as the IVR does
# (decisions/0011), so the bounded reads' share of the IVR's lead is visible.
BOUNDED = "bare, 16 KiB reads (info)"


def digits_for(ticket: str) -> list[str]:
    return ["4", ticket, "1", "1", "1", "0"]


def store_caller(i: int) -> tuple[str, str]:
    """Resident i's mobile (as Asterisk shows it) and their ticket's number (11 digits)."""
    return f"138{i:08d}", f"2026{i:07d}"


def env_block(uniqueid: str, callerid: str = DEMO_CALLER[0]) -> bytes:
    lines = [f"agi_network: yes", "agi_network_script: hotline",
             "agi_request: agi://127.0.0.1/hotline", "agi_channel: PJSIP/trunk-0001",
             "agi_language: zh", f"agi_uniqueid: {uniqueid}", f"agi_callerid: {callerid}",
             "agi_calleridname: 张三", "agi_context: hotline", "agi_extension: 12345"]
    return ("\n".join(lines) + "\n\n").encode()


def reply(command: bytes, digits: list[str]) -> bytes:
    if command.startswith(b"GET DATA"):
        return f"200 result={digits.pop(0)}\n".encode() if digits else b"200 result= (timeout)\n"
    if command.startswith(b"STREAM FILE"):
        return b"200 result=0 endpos=8000\n"
    return b"200 result=1\n"


# ---- servers (run in a child process so the load generator has its own core) ----

async def bare_server(port: int, commands: list[str], read_size: int | None = None) -> None:
    """The baseline: replay the IVR's commands. read_size: bound each recv like the IVR does
    (ivr.fastagi.bound_reads), for the informational row; the baseline leaves asyncio's."""
    wire = [c.encode() + b"\n" for c in commands]

    async def handle(reader, writer):
        if read_size:
            writer.transport.max_size = read_size
        try:
            await reader.readuntil(b"\n\n")
            for line in wire:
                writer.write(line)
                await reader.readline()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    print("READY", flush=True)
    await server.serve_forever()


async def ivr_server(port: int, database_url: str | None) -> None:
    """The IVR as `callcenter fastagi` builds it: demo directory, or the database's."""
    from callcenter.config import Settings
    from ivr.fastagi import start_server
    from ivr.wiring import make_service

    settings = Settings.from_env({"DATABASE_URL": database_url or "",
                                  "CALLCENTER_DEMO": "" if database_url else "1",
                                  "IVR_CLOCK": CLOCK})
    service = make_service(settings, {"IVR_CLOCK": CLOCK})
    server, _ = await start_server(service, f"127.0.0.1:{port}")
    print("READY", flush=True)
    await server.serve_forever()


def serve(kind: str, port: int, arg: str | None) -> None:
    import logging

    logging.disable(logging.INFO)
    if kind in ("bare", "bare-bounded"):
        from ivr.fastagi import Limits

        commands = json.loads(Path(arg).read_text())
        bounded = Limits().env_max_bytes if kind == "bare-bounded" else None
        asyncio.run(bare_server(port, commands, bounded))
    else:
        asyncio.run(ivr_server(port, arg if kind == "ivr-store" else None))


def seed_store(url: str, n: int) -> list[int]:
    """Migrate a SQLite database and add n residents, each with a mobile and a dispatched
    ticket; 5% are tagged 独居老人 (they would skip the menu). Return the untagged ones."""
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from callcenter import migrate
    from callcenter.models import Region, Resident, ResidentPhone, ResidentTag, Ticket
    from callcenter.store import make_engine

    migrate.upgrade(url)
    engine = make_engine(url)
    now, deadline = datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 12, 1, 9, 0,
                                                                         tzinfo=timezone.utc)
    rng = random.Random(5)
    tagged = set(rng.sample(range(1, n + 1), n // 20))
    with engine.begin() as conn:
        region = conn.execute(insert(Region.__table__).values(
            code="B1", name="网格", level="grid", path="")).inserted_primary_key[0]
        conn.execute(Region.__table__.update().values(path=f"/{region}/"))
        conn.execute(insert(Resident.__table__), [
            {"id": i, "name": f"居民{i}", "region_id": region, "language": "zh",
             "created_at": now, "updated_at": now} for i in range(1, n + 1)])
        conn.execute(insert(ResidentPhone.__table__), [
            {"resident_id": i, "e164": f"+86{store_caller(i)[0]}", "last4": f"{i % 10000:04d}"}
            for i in range(1, n + 1)])
        conn.execute(insert(ResidentTag.__table__), [{"resident_id": i, "tag": "独居老人"}
                                                     for i in sorted(tagged)])
        conn.execute(insert(Ticket.__table__), [
            {"number": store_caller(i)[1], "channel": "phone", "type": "help",
             "status": "dispatched", "resident_id": i, "region_id": region,
             "region_path": f"/{region}/", "description": "bench", "complete_deadline": deadline,
             "created_at": now, "updated_at": now} for i in range(1, n + 1)])
    engine.dispose()
    return [i for i in range(1, n + 1) if i not in tagged]


# ---- load generator ----

async def one_call(port: int, n: int, caller: tuple[str, str], rtts: list[float],
                   setups: list[float], commands: list[str] | None = None) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    digits = digits_for(caller[1])
    writer.write(env_block(f"bench.{n}", caller[0]))
    sent, first = time.perf_counter(), True
    while line := await reader.readline():
        now = time.perf_counter()
        (setups if first else rtts).append(now - sent)
        first = False
        if commands is not None:
            commands.append(line.decode().rstrip("\n"))
        writer.write(reply(line, digits))
        sent = time.perf_counter()
    writer.close()
    return not digits


async def load(port: int, seconds: float, concurrency: int, pick) -> dict:
    """Run calls on `concurrency` connections for `seconds`; pick() gives each call's caller."""
    rtts: list[float] = []
    setups: list[float] = []
    calls = 0
    deadline = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal calls
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            if await one_call(port, w * 100000 + n, pick(), rtts, setups):
                calls += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return {"calls": calls, "elapsed": time.perf_counter() - start, "rtts": rtts,
            "setups": setups}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_child(kind: str, arg: str | None = None):
    port = free_port()
    args = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    if arg:
        args += ["--arg", arg]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "READY"
    return proc, port


def cpu_seconds(pid: int) -> float:
    """User + system CPU a server has used (Linux /proc), its own child processes included
    (the IVR's lookup process): the server's cost, whatever else runs on the machine."""
    total = 0.0
    for proc in _process_tree(pid):
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        proc = todo.pop()
        found.append(proc)
        for task in Path(f"/proc/{proc}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except FileNotFoundError:
                pass
    return found


def measure_all(servers: dict[str, tuple], seconds: float, concurrency: int,
                rounds: int = 3) -> dict[str, dict]:
    """Alternate short rounds between the servers so drifting background load hits all alike,
    each round in a rotated order.

    servers: name → (kind, child argument, pick() giving each call's (caller, ticket))."""
    children = {name: start_child(kind, arg) for name, (kind, arg, _) in servers.items()}
    pooled = {name: {"calls": 0.0, "time": 0.0, "cpu": 0.0, "rtts": [], "setups": []}
              for name in servers}
    try:
        for name, (_, port) in children.items():
            asyncio.run(load(port, 0.5, concurrency, servers[name][2]))  # warm up
        names = list(children)
        for k in range(rounds):  # rotate the order: no server always runs right after another
            for name in names[k % len(names):] + names[:k % len(names)]:
                proc, port = children[name]
                cpu = cpu_seconds(proc.pid)
                r = asyncio.run(load(port, seconds / rounds, concurrency, servers[name][2]))
                p = pooled[name]
                p["cpu"] += cpu_seconds(proc.pid) - cpu
                p["calls"] += r["calls"]
                p["time"] += r["elapsed"]
                p["rtts"] += r["rtts"]
                p["setups"] += r["setups"]
        for name, (_, port) in children.items():  # one call at a time: setup cost without queueing
            idle = asyncio.run(load(port, 1.0, 1, servers[name][2]))
            pooled[name]["idle_setups"] = idle["setups"]
    finally:
        for proc, _ in children.values():
            proc.terminate()
            proc.wait(10)
    out = {}
    for name, p in pooled.items():
        q = statistics.quantiles(p["rtts"], n=100)
        out[name] = {"calls_per_s": p["calls"] / p["time"], "p50_ms": q[49] * 1000,
                     "cpu_ms_per_call": p["cpu"] / p["calls"] * 1000,
                     "p99_ms": q[98] * 1000, "setup_p50_ms": statistics.median(p["setups"]) * 1000,
                     "idle_setup_ms": statistics.median(p["idle_setups"]) * 1000}
    return out


def record_commands(kind: str, arg: str | None, caller: tuple[str, str]) -> list[str]:
    """One call's AGI commands as the IVR sends them (the bare server replays them)."""
    proc, port = start_child(kind, arg)
    try:
        commands: list[str] = []
        used_all = asyncio.run(one_call(port, 0, caller, [], [], commands))
        assert used_all, "the menu did not use every input"
        return commands
    finally:
        proc.terminate()
        proc.wait(10)


def pyst2_startup(runs: int) -> dict:
    """Spawn callcenter-agi as Asterisk would; time to its first command, and a whole call."""
    script = Path(sys.executable).parent / "callcenter-agi"
    env = dict(os.environ, CALLCENTER_DEMO="1", IVR_CLOCK=CLOCK)
    first, whole = [], []
    for n in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([str(script), "hotline"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env)
        proc.stdin.write(env_block(f"agi.{n}"))
        proc.stdin.flush()
        digits = digits_for(DEMO_CALLER[1])
        line = proc.stdout.readline()
        first.append(time.perf_counter() - start)
        while line:
            proc.stdin.write(reply(line, digits))
            proc.stdin.flush()
            line = proc.stdout.readline()
        proc.wait(10)
        whole.append(time.perf_counter() - start)
    return {"first_command_ms": statistics.median(first) * 1000,
            "whole_call_ms": statistics.median(whole) * 1000}


def python_floor(runs: int) -> float:
    """Median time to start and stop an empty Python: the part no AGI script can avoid."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def report(seconds: float, concurrency: int) -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cc-bench-fastagi-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        callers = seed_store(url, RESIDENTS)
        rng = random.Random(7)

        def store_pick():
            return store_caller(rng.choice(callers))

        commands = record_commands("ivr-store", url, store_caller(callers[0]))
        demo_commands = record_commands("ivr", None, DEMO_CALLER)
        assert len(demo_commands) == len(commands), "demo and store calls must match in length"
        print(f"menu: 6 inputs, {len(commands)} AGI commands per call; {concurrency} concurrent "
              f"connections, {seconds:.0f} s per server in 3 alternating rounds; SQLite store "
              f"of {RESIDENTS:,} residents, each call a different resident's own ticket")
        commands_file = Path(tmp) / "commands.json"
        commands_file.write_text(json.dumps(commands))
        results = measure_all({
            "bare asyncio (baseline)": ("bare", str(commands_file), lambda: DEMO_CALLER),
            "ivr, in-memory directory": ("ivr", None, lambda: DEMO_CALLER),
            "ivr, SQLite store": ("ivr-store", url, store_pick),
            BOUNDED: ("bare-bounded", str(commands_file), lambda: DEMO_CALLER)},
            seconds, concurrency)
    base = results["bare asyncio (baseline)"]
    print("setup = environment sent → first command received (p50 under load); "
          "cpu/call = the server's CPU per completed call (its lookup process included)")
    print(f"{'server':26} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'setup p50':>10} "
          f"{'cpu/call':>9} {'calls/s ×':>10} {'p99 ×':>7}")
    for name, r in results.items():
        print(f"{name:26} {r['calls_per_s']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{r['setup_p50_ms']:10.2f} {r['cpu_ms_per_call']:9.2f} "
              f"{r['calls_per_s'] / base['calls_per_s']:10.2f} "
              f"{r['p99_ms'] / base['p99_ms']:7.2f}")
    tuned = results[BOUNDED]
    print(f"(info) against the bare server with the IVR's bounded reads: in-memory "
          f"{results['ivr, in-memory directory']['calls_per_s'] / tuned['calls_per_s']:.2f}×, "
          f"store {results['ivr, SQLite store']['calls_per_s'] / tuned['calls_per_s']:.2f}× "
          f"calls/s; the ratios above are against the baseline as the issue defines it")
    agi = pyst2_startup(6)
    floor = python_floor(6)
    fast_setup = results["ivr, SQLite store"]["idle_setup_ms"]
    print(f"classic pyst2 AGI: {agi['first_command_ms']:.1f} ms to first command "
          f"(process start-up), {agi['whole_call_ms']:.1f} ms per whole call; "
          f"FastAGI, one call at a time: {fast_setup:.2f} ms to first command "
          f"(×{agi['first_command_ms'] / fast_setup:.0f}); bare `python -c pass`: {floor:.1f} ms")
    print(f"total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["bare", "bare-bounded", "ivr", "ivr-store"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--arg", help="child server: commands file (bare) or DATABASE_URL")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.arg)
    else:
        report(min(args.seconds, 10.0), args.concurrency)  # 4 servers × seconds + ~20 s
