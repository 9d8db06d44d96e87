"""FastAGI benchmark: our IVR server vs a bare asyncio AGI server, same wire traffic.

200 simulated Asterisk connections each run calls through a 6-input menu (ticket status,
hear it three more times, then an agent) for a fixed time per server. Prints per-command
round trip p50/p99 (reply sent → next command received, i.e. the server's turnaround),
calls/s, and the ratios. Then times the classic pyst2 script's start-up per call.
Run: python bench/fastagi.py [--seconds 6] [--concurrency 200]   (bounded to < 60 s)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DIGITS = ["4", "20261127001", "1", "1", "1", "0"]
CLOCK = "2026-11-27T10:00:00+08:00"


def env_block(uniqueid: str) -> bytes:
    lines = [f"agi_network: yes", "agi_network_script: hotline",
             "agi_request: agi://127.0.0.1/hotline", "agi_channel: PJSIP/trunk-0001",
             "agi_language: zh", f"agi_uniqueid: {uniqueid}", "agi_callerid: 13800138000",
             "agi_calleridname: 张三", "agi_context: hotline", "agi_extension: 12345"]
    return ("\n".join(lines) + "\n\n").encode()


def reply(command: bytes, digits: list[str]) -> bytes:
    if command.startswith(b"GET DATA"):
        return f"200 result={digits.pop(0)}\n".encode() if digits else b"200 result= (timeout)\n"
    if command.startswith(b"STREAM FILE"):
        return b"200 result=0 endpos=8000\n"
    return b"200 result=1\n"


# ---- servers (run in a child process so the load generator has its own core) ----

async def bare_server(port: int, commands: list[str]) -> None:
    wire = [c.encode() + b"\n" for c in commands]

    async def handle(reader, writer):
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


class ThreadedDemo:
    """The demo directory marked blocking, so every lookup takes the worker-thread path."""

    blocking = True

    def __init__(self):
        from ivr.demo import demo_directory

        self.inner = demo_directory()

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def ivr_server(port: int, threaded: bool) -> None:
    from ivr.demo import demo_directory
    from ivr.fastagi import IvrService, start_server
    from ivr.wiring import make_clock

    directory = ThreadedDemo() if threaded else demo_directory()
    service = IvrService(directory=directory, clock=make_clock({"IVR_CLOCK": CLOCK}))
    server, _ = await start_server(service, f"127.0.0.1:{port}")
    print("READY", flush=True)
    await server.serve_forever()


def serve(kind: str, port: int, commands_file: str | None) -> None:
    import logging

    logging.disable(logging.INFO)
    if kind == "bare":
        commands = json.loads(Path(commands_file).read_text())
        asyncio.run(bare_server(port, commands))
    else:
        asyncio.run(ivr_server(port, threaded=(kind == "ivr-threaded")))


# ---- load generator ----

async def one_call(port: int, n: int, rtts: list[float], setups: list[float],
                   commands: list[str] | None = None) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    digits = list(DIGITS)
    writer.write(env_block(f"bench.{n}"))
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


async def load(port: int, seconds: float, concurrency: int) -> dict:
    rtts: list[float] = []
    setups: list[float] = []
    calls = 0
    deadline = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal calls
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            if await one_call(port, w * 100000 + n, rtts, setups):
                calls += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return {"calls": calls, "elapsed": time.perf_counter() - start, "rtts": rtts,
            "setups": setups}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_child(kind: str, commands_file: str | None = None):
    port = free_port()
    args = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    if commands_file:
        args += ["--commands", commands_file]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "READY"
    return proc, port


def measure_all(kinds: dict[str, str], seconds: float, concurrency: int,
                commands_file: str, rounds: int = 3) -> dict[str, dict]:
    """Alternate short rounds between the servers so drifting background load hits all alike."""
    children = {name: start_child(kind, commands_file if kind == "bare" else None)
                for name, kind in kinds.items()}
    pooled = {name: {"calls": 0.0, "time": 0.0, "rtts": [], "setups": []} for name in kinds}
    try:
        for _, port in children.values():
            asyncio.run(load(port, 0.5, concurrency))  # warm up
        for _ in range(rounds):
            for name, (_, port) in children.items():
                r = asyncio.run(load(port, seconds / rounds, concurrency))
                p = pooled[name]
                p["calls"] += r["calls"]
                p["time"] += r["elapsed"]
                p["rtts"] += r["rtts"]
                p["setups"] += r["setups"]
        for name, (_, port) in children.items():  # one call at a time: setup cost without queueing
            pooled[name]["idle_setups"] = asyncio.run(load(port, 1.0, 1))["setups"]
    finally:
        for proc, _ in children.values():
            proc.terminate()
            proc.wait(10)
    out = {}
    for name, p in pooled.items():
        q = statistics.quantiles(p["rtts"], n=100)
        out[name] = {"calls_per_s": p["calls"] / p["time"], "p50_ms": q[49] * 1000,
                     "p99_ms": q[98] * 1000, "setup_p50_ms": statistics.median(p["setups"]) * 1000,
                     "idle_setup_ms": statistics.median(p["idle_setups"]) * 1000}
    return out


def record_commands() -> list[str]:
    proc, port = start_child("ivr")
    try:
        commands: list[str] = []
        used_all = asyncio.run(one_call(port, 0, [], [], commands))
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
        digits = list(DIGITS)
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
    commands = record_commands()
    print(f"menu: {len(DIGITS)} inputs, {len(commands)} AGI commands per call; "
          f"{concurrency} concurrent connections, {seconds:.0f} s per server in 3 alternating rounds")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(commands, f)
    try:
        results = measure_all({"bare asyncio (baseline)": "bare", "ivr, lookups inline": "ivr",
                               "ivr, lookups on threads": "ivr-threaded"},
                              seconds, concurrency, f.name)
    finally:
        os.unlink(f.name)
    base = results["bare asyncio (baseline)"]
    print("setup = environment sent → first command received (p50 under load)")
    print(f"{'server':26} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'setup p50':>10} "
          f"{'calls/s ×':>10} {'p99 ×':>7}")
    for name, r in results.items():
        print(f"{name:26} {r['calls_per_s']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{r['setup_p50_ms']:10.2f} {r['calls_per_s'] / base['calls_per_s']:10.2f} "
              f"{r['p99_ms'] / base['p99_ms']:7.2f}")
    agi = pyst2_startup(6)
    floor = python_floor(6)
    fast_setup = results["ivr, lookups inline"]["idle_setup_ms"]
    print(f"classic pyst2 AGI: {agi['first_command_ms']:.1f} ms to first command "
          f"(process start-up), {agi['whole_call_ms']:.1f} ms per whole call; "
          f"FastAGI, one call at a time: {fast_setup:.2f} ms to first command "
          f"(×{agi['first_command_ms'] / fast_setup:.0f}); bare `python -c pass`: {floor:.1f} ms")
    print(f"total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["bare", "ivr", "ivr-threaded"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--commands")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.commands)
    else:
        report(min(args.seconds, 12.0), args.concurrency)  # 3 servers × seconds + ~15 s
