"""The production shape fault tests kill parts of: `callcenter ami-bridge`, `callcenter serve`
and `callcenter worker` as processes on one database and one redis-server, the PBX simulator
placing calls, agents opening and dispatching tickets over the JSON API, and a partner's
webhook endpoint on loopback; plus the three invariants every fault test checks."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from redis import Redis
from sqlalchemy import select, text

from callcenter.domain.tickets import ALLOWED, TicketStatus
from callcenter.models import Delivery, Ticket, TicketEvent, User
from callcenter.services.accounts import issue_token
from fault_rig import CLI, BridgeCLI, SimThread, bridge_env, wait_for
from servers import descendants, free_port, wait_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dispatch"))
from dispatch_fakes import WebhookTarget  # noqa: E402
from dispatch_helpers import SECRET, set_channels  # noqa: E402


class Proc:
    """A `callcenter` command in its own process group; stderr kept in a file."""

    def __init__(self, args: list[str], env: dict) -> None:
        self.args, self.env, self.proc = args, env, None
        self.log = Path(tempfile.mkstemp(prefix="cc-fault-", suffix=".log")[1])

    def start(self) -> "Proc":
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([str(CLI), *self.args], env=self.env,
                                         start_new_session=True, stdout=subprocess.DEVNULL,
                                         stderr=err)
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal every process under it (an RQ worker forks a work-horse per job)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for pid in descendants(self.proc.pid) if sig == signal.SIGKILL else [self.proc.pid]:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close(self) -> None:
        self.kill(signal.SIGTERM)
        self.log.unlink(missing_ok=True)



class Service:
    """Everything up; `agents(n)` runs the ticket traffic on a thread, `calls()` the PBX's."""

    def __init__(self, container, world, redis_url: str, pbx: SimThread) -> None:
        Redis.from_url(redis_url).flushall()
        self.container, self.world, self.pbx = container, world, pbx
        settings = container.settings
        self.env = bridge_env(settings.database_url, redis_url, pbx.sim.url,
                              settings.instance_path, DELIVERY_RETRY_INTERVALS="0,1,1",
                              DELIVERY_LEASE_SECONDS="3", RELAY_RECHECK_SECONDS="2",
                              PUBLIC_BASE_URL="http://hotline.test", LOG_LEVEL="WARNING")
        self.web_env = {k: v for k, v in self.env.items() if k != "AMI_URL"}  # no 2nd bridge
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = WebhookTarget().start()
        set_channels(container, "department", world.departments["MZ"],
                     [{"kind": "webhook", "url": self.target.url, "secret": SECRET}])
        with container.sessions.begin() as s:
            user = s.scalars(select(User).where(User.username == "agent_a1")).one()
            self.auth = {"Authorization": f"Bearer {issue_token(s, user, 'fault test')}"}
        self.bridge = BridgeCLI(self.env)
        self.web = Proc(["serve", "--port", str(self.port)], self.web_env)
        self.worker = Proc(["worker"], self.env)
        self.numbers: list[str] = []
        self.errors: list[str] = []

    def __enter__(self) -> "Service":
        self.bridge.start()
        self.start_web()
        self.worker.start()
        return self

    def __exit__(self, *exc) -> None:
        for proc in (self.worker, self.web, self.bridge):
            proc.close()
        self.target.stop()

    def start_web(self) -> None:
        self.web.start()
        wait_port(self.port, 60)

    # -- traffic ---------------------------------------------------------------------------
    def agents(self, tickets: int, every: float = 0.1) -> threading.Thread:
        """Open and dispatch `tickets` tickets over the API; a request cut off by a fault is
        sent again until the web answers (a 409 then means the first one did land)."""
        thread = threading.Thread(target=self._agents, args=(tickets, every), daemon=True)
        thread.start()
        return thread

    def _agents(self, tickets: int, every: float) -> None:
        body = {"channel": "phone", "type": "help", "description": "楼道灯不亮，请派人维修",
                "region_id": self.world.regions["gridA1"],
                "category_id": self.world.categories["SRV-SD"], "address": "幸福路1号3栋",
                "caller_phone": "13800138000"}
        target = {"target": {"kind": "department", "id": self.world.departments["MZ"]}}
        for _ in range(tickets):
            r = self._post("/api/v1/tickets", body, {201})
            number = r.json()["number"]
            self.numbers.append(number)
            self._post(f"/api/v1/tickets/{number}/dispatch", target, {201, 409})
            time.sleep(every)

    def _post(self, path: str, body: dict, ok: set[int]) -> requests.Response:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                r = requests.post(self.url + path, json=body, headers=self.auth, timeout=10)
                if r.status_code in ok:
                    return r
                self.errors.append(f"{path}: {r.status_code} {r.text[:200]}")
            except requests.RequestException as exc:
                self.errors.append(f"{path}: {type(exc).__name__}")
            time.sleep(0.1)
        raise AssertionError(f"{path} never succeeded: {self.errors[-3:]}")

    # -- the invariants ----------------------------------------------------------------------
    def wait_calls_stored(self, timeout: float = 90) -> None:
        wait_for(lambda: len(self.stored_calls()) >= len(self.pbx.placed), timeout,
                 "every placed call stored")

    def stored_calls(self) -> list[str]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(text("SELECT linkedid FROM call_records")).scalars())

    def deliveries(self) -> list[tuple[int, str]]:
        with self.container.sessions() as s:
            return [(d.id, d.state) for d in s.scalars(
                select(Delivery).where(Delivery.channel == "webhook"))]

    def wait_delivered(self, tickets: int, timeout: float) -> None:
        wait_for(lambda: len(self.deliveries()) == tickets and
                 {st for _i, st in self.deliveries()} == {"sent"}, timeout,
                 "every webhook delivery sent")

    def check_invariants(self, tickets: int) -> None:
        assert sorted(self.stored_calls()) == sorted(self.pbx.placed)   # each call once
        assert len(set(self.numbers)) == tickets
        # every dispatch delivered once: one delivery per dispatched ticket, each sent, and
        # the partner (which de-duplicates on X-Dispatch-Id) processed one per dispatch
        assert len(self.deliveries()) == tickets
        assert len(self.target.processed) == tickets
        assert_timelines(self.container, self.numbers)


def assert_timelines(container, numbers: list[str]) -> None:
    """Each ticket's events form an unbroken chain of allowed transitions ending in its state."""
    with container.sessions() as s:
        for ticket in s.scalars(select(Ticket).where(Ticket.number.in_(numbers))):
            events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .order_by(TicketEvent.id)).all()
            chain = [(e.from_status, e.to_status) for e in events if e.to_status]
            assert chain[0] == (None, "open"), (ticket.number, chain)
            for (_a, before), (after_from, after) in zip(chain, chain[1:]):
                assert after_from == before, (ticket.number, chain)
                assert TicketStatus(after) in ALLOWED[TicketStatus(before)], chain
            assert chain[-1][1] == ticket.status, (ticket.number, chain)
