"""`kill -9` of the web process, then of the RQ worker, while calls come in and agents
dispatch tickets: each comes back (a new process, no manual step) and afterwards every call
the simulator placed is stored once, every dispatch is delivered once, and every ticket's
timeline matches its state."""
from __future__ import annotations

import threading
import time

import pytest

from fault_rig import SimThread, wait_for
from service_rig import Service

pytestmark = pytest.mark.redis
TICKETS = 30


def test_web_process_killed_during_traffic(container, world, redis_server):
    with SimThread(speed=10.0) as pbx, Service(container, world, redis_server.url, pbx) as svc:
        time.sleep(1.0)   # the bridge's start-up resync
        calls = pbx.traffic(rate=5, seconds=4, talk=2)
        agents = svc.agents(TICKETS)
        wait_for(lambda: len(svc.numbers) >= TICKETS // 3, 60, "some tickets dispatched")
        svc.web.kill()
        time.sleep(0.5)    # requests fail meanwhile; the agents retry
        svc.start_web()
        calls.result(60)
        agents.join(120)
        assert not agents.is_alive()
        assert any("ConnectionError" in e for e in svc.errors), "the kill cut no request off"
        svc.wait_calls_stored()
        svc.wait_delivered(TICKETS, 60)
        svc.check_invariants(TICKETS)
        assert len(svc.target.received) == TICKETS   # nothing was in flight at the web


def test_rq_worker_killed_mid_delivery_during_traffic(container, world, redis_server):
    with SimThread(speed=10.0) as pbx, Service(container, world, redis_server.url, pbx) as svc:
        hold = threading.Event()
        svc.target.script = [("status", 200)] * 5 + [("hold", hold)]
        time.sleep(1.0)
        calls = pbx.traffic(rate=5, seconds=4, talk=2)
        agents = svc.agents(TICKETS)
        assert svc.target.got_request.wait(60)
        wait_for(lambda: len(svc.target.received) >= 6, 60, "the held delivery")
        svc.worker.kill()          # the worker and its work-horse, mid-send
        hold.set()
        svc.worker.start()
        calls.result(60)
        agents.join(120)
        assert not agents.is_alive()
        svc.wait_calls_stored()
        # The send cut off stays STARTED in RQ until its heartbeat expires (RQ: 90 s with
        # our 120 s job timeout); the relay's registry clean-up then lets its Retry run it.
        svc.wait_delivered(TICKETS, 240)
        svc.check_invariants(TICKETS)
