"""Screen-pop latency: from an AgentCalled frame written to the bridge's AMI socket (by the
PBX simulator) to `call.ringing` received by that agent's Socket.IO client, with N agents
connected and calls at R per second — embedded and Redis message-queue modes — next to a
bare python-socketio targeted emit → receive on the same machine.

Every part runs in its own process, as in production, so no two share a GIL:
  product   PBX simulator │ `callcenter serve` (embedded: the bridge inside it) │
            [Redis mode: `callcenter ami-bridge` + redis-server] │ the N agents' clients
  baseline  trigger │ bare python-socketio server │ the N clients (the same client code)
  baseline, Redis (printed beside it, labelled; the aim stays the targeted baseline above)
            trigger │ bare emitter (python-socketio write-only RedisManager) │ redis-server │
            bare python-socketio server with a RedisManager │ the N clients
  baseline, AMI leg (printed beside it, labelled): the product's own AMI client, on an event
            loop thread in the bare server, follows the same simulator and emits each
            AgentCalled at once: no fold, no publisher, no store. What the PBX's hop costs
            on this machine, so a reader sees how much of the gap is the product's own work.
            PBX simulator │ bare python-socketio server + AMI client │ the N clients
The simulator stamps a call after writing its AgentCalled frame, the trigger after writing
its line; a client stamps on receipt. Stamps are time.monotonic_ns() (CLOCK_MONOTONIC: one
clock for every process on the machine). Loopback only, free ports; PostgreSQL as in
production (a throwaway cluster).

The five phases run in rounds, interleaved (baseline, AMI-leg baseline, Redis-queue
baseline, embedded, Redis mode; again), and each mode's pops are pooled over the rounds: a
virtual machine's host takes its CPUs away at times ("steal"), which stalls whatever runs
then, and a run of one phase after the other can hand one side a noisy minute and the
other a quiet one. Each phase prints the host's steal during its traffic (Linux
/proc/stat), so a reader sees it.

    python bench/screen_pop.py [--agents 200] [--rate 20] [--seconds 10] [--rounds 3]

Bounded: about 100 s a round with the defaults.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import socketio  # noqa: E402

from servers import free_port, wait_port  # noqa: E402

CLI = Path(sys.executable).parent / "callcenter"
CHANNEL = "cc-pop-baseline"
ROLE_ENV = ("DATABASE_URL", "REDIS_URL", "AMI_URL", "SECRET_KEY", "CALLCENTER_INSTANCE")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of seconds, in ms."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


# -- in-process clients: bench/load.py connects its agents with these ---------------------
def connect_clients(url: str, namespace: str, n: int, make_auth, on_ringing
                    ) -> list[socketio.Client]:
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


# -- child processes ----------------------------------------------------------------------
class Child:
    """A process in its own session; talks line by line on stdin/stdout, logs to a file."""

    def __init__(self, name: str, argv: list[str], folder: str, env: dict | None = None) -> None:
        self.name, self.log, self.buf = name, Path(folder) / f"{name}.log", b""
        with open(self.log, "wb") as err:
            self.p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=err, start_new_session=True)

    def send(self, line: str) -> None:
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def expect(self, word: str, timeout: float) -> str:
        """The rest of the next stdout line that starts with `word`."""
        end, fd = time.monotonic() + timeout, self.p.stdout.fileno()
        while True:
            line, nl, rest = self.buf.partition(b"\n")
            if nl:
                self.buf = rest
                if line.decode().startswith(word):
                    return line.decode()[len(word):].strip()
                continue
            if not select.select([fd], [], [], max(0.0, end - time.monotonic()))[0]:
                break
            if not (data := os.read(fd, 1 << 20)):
                break
            self.buf += data
        raise RuntimeError(f"{self.name}: no '{word}' within {timeout:g} s "
                           f"(exit {self.p.poll()}); see {self.log}")

    def stop(self) -> None:
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()


def role(name: str, *args: object) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--role", name, *map(str, args)]


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ROLE_ENV}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def latencies(sent: dict[str, int], got: dict) -> list[float]:
    return [(got[k] - sent[k]) / 1e9 for k in sent if k in got]


def host_ticks() -> tuple[int, int]:
    """(busy, steal) clock ticks of the whole machine so far; (0, 0) where /proc/stat is not."""
    try:
        with open("/proc/stat") as f:
            fields = map(int, f.readline().split()[1:9])
            user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    except (OSError, ValueError):
        return 0, 0
    return user + nice + system + irq + softirq, steal


def idle_policy() -> str:
    """The kernel's cpuidle driver and guest halt polling: on a KVM guest they set what a
    wake-up costs, and a screen-pop is a chain of wake-ups across processes."""
    try:
        driver = Path("/sys/devices/system/cpu/cpuidle/current_driver").read_text().strip()
    except OSError:
        return "cpuidle n/a"
    poll = Path("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
    return f"cpuidle {driver}" + (f", guest_halt_poll_ns {poll.read_text().strip()}"
                                  if poll.exists() else "")


class Phase:
    """One mode's pops, pooled over the rounds, and the host's steal during their traffic."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.events = self.expected = 0
        self.busy = self.steal = 0
        self.seconds = 0.0

    def add(self, run: tuple[list[float], int, tuple[int, int, float]], expected: int) -> None:
        values, events, (busy, steal, seconds) = run
        self.values += values
        self.events += events
        self.expected += expected
        self.busy += busy
        self.steal += steal
        self.seconds += seconds

    def steal_text(self) -> str:
        """Steal as ms per second of traffic, and as a share of the CPU time the machine ran."""
        if not self.seconds or not (self.busy + self.steal):
            return "steal n/a"
        ms = self.steal * 1000 / os.sysconf("SC_CLK_TCK") / self.seconds
        share = 100 * self.steal / (self.busy + self.steal)
        return f"host steal {ms:5.1f} ms/s ({share:3.0f} % of CPU run)"


def collect(clients: Child, driver: Child, seconds: float
            ) -> tuple[dict, dict, int, tuple[int, int, float]]:
    """Start the driver's traffic, wait for it and 1 s more, then read both sides' stamps;
    with them the machine's busy and steal ticks over that time, and its length."""
    busy0, steal0 = host_ticks()
    start = time.monotonic()
    driver.send("go")
    sent = json.loads(driver.expect("sent", seconds + 60))
    time.sleep(1)
    busy1, steal1 = host_ticks()
    host = (busy1 - busy0, steal1 - steal0, time.monotonic() - start)
    clients.send("stop")
    got = json.loads(clients.expect("got", 30))
    return sent, got["first"], got["events"], host


# -- baseline: trigger → bare python-socketio server → client ------------------------------
def bare_auth(folder: str, agents: int) -> Path:
    """The bare servers' clients: agent i joins room agent:<8000 + i>."""
    auth = Path(folder) / "auth.json"
    auth.write_text(json.dumps([[{}, {"ext": str(8000 + i)}] for i in range(agents)]))
    return auth


def bare_sio(manager=None) -> socketio.Server:
    """socketio.Server in threading mode; a client's auth names the room it joins."""
    sio = socketio.Server(async_mode="threading", client_manager=manager)

    @sio.on("connect")
    def on_connect(sid, environ, auth):
        sio.enter_room(sid, f"agent:{auth['ext']}")

    return sio


def serve_bare(sio: socketio.Server, port: int) -> None:
    """On werkzeug's threaded server, as Flask-SocketIO runs under `serve`."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", port, socketio.WSGIApp(sio), threaded=True)
    print("ready", flush=True)
    server.serve_forever()


def baseline(agents: int, rate: float, seconds: float) -> list[float]:
    lat, _events, _host = baseline_run(agents, rate, seconds)
    return lat


def baseline_run(agents: int, rate: float, seconds: float, redis_url: str | None = None
                 ) -> tuple[list[float], int, tuple[int, int, float]]:
    """Without `redis_url` the server's own thread emits; with it a separate emitter process
    publishes into the Redis queue the server listens to (the hops of Redis mode)."""
    folder = tempfile.mkdtemp(prefix="cc-pop-base-")
    port, tport = free_port(), free_port()
    auth = bare_auth(folder, agents)
    kids: list[Child] = []
    try:
        kids.append(server := Child("bare-server", role("bare-server", port, tport,
                                                        redis_url or "-"), folder))
        server.expect("ready", 30)
        if redis_url:
            kids.append(emitter := Child("bare-emitter", role("bare-emitter", tport, redis_url),
                                         folder))
            emitter.expect("ready", 30)
        kids.append(clients := Child("clients", role("clients", f"http://127.0.0.1:{port}", "/",
                                                      "id", auth), folder))
        clients.expect("ready", 120)
        kids.append(trigger := Child("trigger", role("trigger", tport, agents, rate, seconds),
                                     folder))
        trigger.expect("ready", 30)
        sent, got, events, host = collect(clients, trigger, seconds)
        return latencies(sent, got), events, host
    finally:
        for kid in reversed(kids):
            kid.stop()


def serve_trigger(tport: int, emit) -> None:
    """Read `id ext` lines from the trigger on a thread and emit each to room agent:<ext>."""
    def trigger() -> None:
        listener = socket.create_server(("127.0.0.1", tport))
        conn, _ = listener.accept()
        buf = b""
        while data := conn.recv(65536):
            *lines, buf = (buf + data).split(b"\n")
            for line in lines:
                key, ext = line.decode().split()
                emit("call.ringing", {"id": key, "extension": ext}, to=f"agent:{ext}")

    threading.Thread(target=trigger, daemon=True).start()


def run_bare_server(port: int, tport: int, redis_url: str) -> None:
    """The bare server: it emits the trigger's lines itself, or with a Redis URL listens to
    the bare emitter."""
    manager = socketio.RedisManager(redis_url, channel=CHANNEL) if redis_url != "-" else None
    sio = bare_sio(manager)
    if manager is None:
        serve_trigger(tport, sio.emit)
    serve_bare(sio, port)


def bare_ami_run(agents: int, rate: float, seconds: float
                 ) -> tuple[list[float], int, tuple[int, int, float]]:
    """The simulator's calls, followed by the product's AMI client inside the bare server."""
    folder = tempfile.mkdtemp(prefix="cc-pop-ami-")
    port = free_port()
    auth = bare_auth(folder, agents)
    kids: list[Child] = []
    try:
        kids.append(pbx := Child("pbx", role("pbx", agents, rate, seconds), folder))
        ami = f"ami://callcenter:sim-secret@127.0.0.1:{pbx.expect('port', 30)}"
        kids.append(server := Child("bare-ami-server", role("bare-ami-server", port, ami),
                                    folder, clean_env()))
        server.expect("ready", 30)
        kids.append(clients := Child("clients", role("clients", f"http://127.0.0.1:{port}", "/",
                                                      "linkedid", auth), folder))
        clients.expect("ready", 120)
        pbx.expect("bridged", 30)
        sent, got, events, host = collect(clients, pbx, seconds)
        return latencies(sent, got), events, host
    finally:
        for kid in reversed(kids):
            kid.stop()


def run_bare_ami_server(port: int, ami_url: str) -> None:
    """The bare server, its emits driven by AMIConnection (the bridge's client) on a loop
    thread: each AgentCalled frame → call.ringing to agent:<MemberName>, nothing else."""
    from integrations.ami.client import AMIConnection, parse_ami_url
    sio = bare_sio()

    async def follow() -> None:
        inbox: asyncio.Queue = asyncio.Queue(1000)
        await AMIConnection(parse_ami_url(ami_url), inbox).open()
        while True:
            kind, headers, _received, _tag = await inbox.get()
            if kind == "event" and headers.get("Event") == "AgentCalled":
                sio.emit("call.ringing", {"linkedid": headers["Linkedid"]},
                         to=f"agent:{headers['MemberName']}")

    threading.Thread(target=asyncio.run, args=(follow(),), daemon=True).start()
    serve_bare(sio, port)


def run_bare_emitter(tport: int, redis_url: str) -> None:
    """What the bridge's process is in Redis mode, bare: publish each line into the queue."""
    manager = socketio.RedisManager(redis_url, channel=CHANNEL, write_only=True)
    serve_trigger(tport, lambda event, data, to: manager.emit(event, data, namespace="/",
                                                              room=to))
    print("ready", flush=True)
    threading.Event().wait()


def run_trigger(tport: int, agents: int, rate: float, seconds: float) -> None:
    async def main() -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", tport)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
        sent: dict[str, int] = {}
        start = time.monotonic()
        for k in range(int(rate * seconds)):
            writer.write(f"{k} {8000 + k % agents}\n".encode())
            sent[str(k)] = time.monotonic_ns()
            await asyncio.sleep(max(0.0, start + (k + 1) / rate - time.monotonic()))
        print("sent", json.dumps(sent), flush=True)
        writer.close()
    asyncio.run(main())


# -- the agents: N Socket.IO connections in one process ------------------------------------
def run_clients(url: str, namespace: str, key: str, auth_file: str) -> None:
    """Connect every agent (auth file: [headers, auth] per agent), stamp each call.ringing on
    receipt, and on "stop" print the first receipt per call and how many arrived in all."""
    logging.getLogger("socketio").setLevel(logging.CRITICAL)
    auths = json.loads(Path(auth_file).read_text())
    first: dict[str, int] = {}
    events = 0

    def on_ringing(data) -> None:
        nonlocal events
        first.setdefault(data[key], time.monotonic_ns())
        events += 1

    async def connect(headers: dict, auth: dict) -> socketio.AsyncClient:
        for attempt in range(3):  # as a browser would: a refused connect is tried again
            c = socketio.AsyncClient(reconnection=False)
            c.on("call.ringing", on_ringing, namespace=namespace)
            try:
                await c.connect(url, namespaces=[namespace], headers=headers, auth=auth,
                                transports=["websocket"], wait_timeout=30)
                return c
            except socketio.exceptions.ConnectionError:
                if attempt == 2:
                    raise
                await c.disconnect()
                await asyncio.sleep(0.5)

    async def main() -> None:
        clients = []
        for i in range(0, len(auths), 20):
            clients += await asyncio.gather(*(connect(h, a) for h, a in auths[i:i + 20]))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "stop"
        print("got", json.dumps({"first": first, "events": events}), flush=True)
        os._exit(0)  # werkzeug does not answer close frames: closing politely only waits

    asyncio.run(main())


# -- the product: simulator → AMI → bridge → publisher → Flask-SocketIO ---------------------
def run_pbx(agents: int, rate: float, seconds: float) -> None:
    """The simulator on a free port; prints it, then "bridged" once a client follows events;
    on "go" places the calls and prints when each AgentCalled was written."""
    from integrations.ami.simulator import PBXSimulator, flows
    exts = [str(8000 + i) for i in range(agents)]
    sim = PBXSimulator(queues={"hotline": exts})
    sent: dict[str, int] = {}
    # after the simulator's own broadcast listener: stamped once the frame is written
    sim.pbx.listeners.append(lambda f: f["Event"] == "AgentCalled" and
                             sent.setdefault(f["Linkedid"], time.monotonic_ns()))

    async def one(k: int) -> None:
        call = flows.start_call(sim.pbx, f"138{k:08d}", "")
        flows.enqueue(sim.pbx, call, "hotline")
        flows.ring(sim.pbx, call, exts[k % len(exts)])
        await asyncio.sleep(1.0)
        flows.teardown(sim.pbx, call, by="caller")

    async def main() -> None:
        port = await sim.start()
        print("port", port, flush=True)
        while not any(s.events_on for s in sim.sessions):
            await asyncio.sleep(0.05)
        print("bridged", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)  # "go"
        tasks, start = [], time.monotonic()
        for k in range(int(rate * seconds)):
            tasks.append(asyncio.create_task(one(k)))
            await asyncio.sleep(max(0.0, start + (k + 1) / rate - time.monotonic()))
        await asyncio.gather(*tasks)
        print("sent", json.dumps(sent), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # keep the AMI socket until stopped
        await sim.stop()

    asyncio.run(main())


def product(agents: int, rate: float, seconds: float, pg, redis_url: str | None, round_: int = 0
            ) -> tuple[list[float], int, tuple[int, int, float]]:
    from load import SECRET, seed_agents, sessions_for
    mode = "redis" if redis_url else "embedded"
    folder = tempfile.mkdtemp(prefix=f"cc-pop-{mode}-")
    db_url = pg.create_database(f"pop_{mode}_{round_}")
    exts = seed_agents(db_url, agents)
    port = free_port()
    kids: list[Child] = []
    try:
        kids.append(pbx := Child("pbx", role("pbx", agents, rate, seconds), folder))
        ami = f"ami://callcenter:sim-secret@127.0.0.1:{pbx.expect('port', 30)}"
        env = clean_env(DATABASE_URL=db_url, SECRET_KEY=SECRET, CALLCENTER_INSTANCE=folder,
                        FASTAGI_BIND=f"127.0.0.1:{free_port()}", LOG_LEVEL="WARNING")
        if redis_url:  # the web has no bridge; `callcenter ami-bridge` publishes through Redis
            kids.append(Child("web", [str(CLI), "serve", "--port", str(port)], folder,
                              {**env, "REDIS_URL": redis_url}))
            kids.append(Child("bridge", [str(CLI), "ami-bridge"], folder,
                              {**env, "REDIS_URL": redis_url, "AMI_URL": ami}))
        else:  # embedded: `serve` runs the bridge in the web process
            kids.append(Child("web", [str(CLI), "serve", "--port", str(port)], folder,
                              {**env, "AMI_URL": ami}))
        wait_port(port, 60)
        url = f"http://127.0.0.1:{port}"
        make_auth, container = sessions_for(url, db_url, exts)
        auth = Path(folder) / "auth.json"
        auth.write_text(json.dumps([make_auth(i) for i in range(agents)]))
        container.close()
        kids.append(clients := Child("clients", role("clients", url, "/agent", "linkedid", auth),
                                     folder))
        clients.expect("ready", 120)
        pbx.expect("bridged", 30)
        time.sleep(2)  # the bridge's first resync
        sent, got, events, host = collect(clients, pbx, seconds)
        return latencies(sent, got), events, host
    finally:
        for kid in reversed(kids):
            kid.stop()


# -- the run ------------------------------------------------------------------------------
def report(name: str, phase: Phase) -> tuple[float, float]:
    values = phase.values
    p50, p99 = pct(values, 50), pct(values, 99)
    extra = ("" if phase.events == len(values)
             else f"  ({phase.events} events received: some twice)")
    print(f"{name:<34} n={len(values):>4}/{phase.expected:<4} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms"
          f"   mean {statistics.fmean(values) * 1000:6.2f} ms   {phase.steal_text()}{extra}",
          flush=True)
    return p50, p99


MODES = {"baseline": "baseline: bare python-socketio",
         "baseline-ami": "baseline, AMI leg (bare emit)",
         "baseline-redis": "baseline, Redis queue (bare)",
         "embedded": "screen-pop, embedded",
         "redis": "screen-pop, Redis message queue"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--role", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role:
        name, *rest = args.role
        roles = {"bare-server": lambda p, t, r: run_bare_server(int(p), int(t), r),
                 "bare-emitter": lambda t, r: run_bare_emitter(int(t), r),
                 "bare-ami-server": lambda p, a: run_bare_ami_server(int(p), a),
                 "trigger": lambda t, a, r, s: run_trigger(int(t), int(a), float(r), float(s)),
                 "clients": run_clients,
                 "pbx": lambda a, r, s: run_pbx(int(a), float(r), float(s))}
        logging.basicConfig(level=logging.WARNING)
        return roles[name](*rest)
    logging.basicConfig(level=logging.ERROR)
    from servers import PostgresServer, RedisServer
    started, n = time.monotonic(), int(args.rate * args.seconds)
    print(f"{args.agents} agents connected, {args.rate:g} calls/s for {args.seconds:g} s, "
          f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}; {idle_policy()}",
          flush=True)
    phases = {mode: Phase() for mode in MODES}
    pg, redis = PostgresServer().start(), RedisServer().start()
    try:
        for r in range(args.rounds):
            runs = {"baseline": lambda: baseline_run(args.agents, args.rate, args.seconds),
                    "baseline-ami": lambda: bare_ami_run(args.agents, args.rate, args.seconds),
                    "baseline-redis": lambda: baseline_run(args.agents, args.rate, args.seconds,
                                                           redis.url),
                    "embedded": lambda: product(args.agents, args.rate, args.seconds, pg, None, r),
                    "redis": lambda: product(args.agents, args.rate, args.seconds, pg, redis.url,
                                             r)}
            for mode, run in runs.items():
                result, this_round = run(), Phase()
                this_round.add(result, n)
                phases[mode].add(result, n)
                report(f"round {r + 1}: {mode}", this_round)
    finally:
        redis.cleanup()
        pg.stop()
    print(f"pooled over {args.rounds} rounds:")
    res = {mode: report(title, phases[mode]) for mode, title in MODES.items()}
    base, base_redis = res["baseline"], res["baseline-redis"]
    for name, (p50, p99) in (("embedded", res["embedded"]), ("Redis", res["redis"])):
        print(f"ratio {name:<9} p50 {p50 / base[0]:5.2f}x   p99 {p99 / base[1]:5.2f}x  "
              "(aim: p99 ≤ 2x)")
    ami = res["baseline-ami"]
    print(f"ratio AMI leg alone: p50 {ami[0] / base[0]:5.2f}x   p99 {ami[1] / base[1]:5.2f}x  "
          "(the PBX's hop without the product's work, for reference)")
    red = res["redis"]
    print(f"ratio Redis to the bare Redis-queue baseline: p50 {red[0] / base_redis[0]:5.2f}x   "
          f"p99 {red[1] / base_redis[1]:5.2f}x  (for reference, not the aim)")
    print(f"took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
