"""Deliveries through a real redis-server and a real `callcenter worker` process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job
from sqlalchemy import select

from callcenter.bootstrap import build
from callcenter.models import Delivery, OutboxMessage
from callcenter.services import dispatch as svc
from dispatch_helpers import SECRET, open_ticket, set_channels
from integrations.queue import job_id
from callcenter.services.outbox import OutboxItem
from servers import descendants

pytestmark = pytest.mark.redis
CLI = Path(sys.executable).parent / "callcenter"


@pytest.fixture
def rq_env(redis_server, settings):
    # A first retry without delay: a job requeued after its worker died then runs at once,
    # instead of waiting for the dead worker's RQ scheduler lock to expire (about 60 s).
    redis = Redis.from_url(redis_server.url)
    redis.flushall()
    redis.close()
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=redis_server.url,
               SECRET_KEY="test-secret", DELIVERY_RETRY_INTERVALS="0,1,1",
               DELIVERY_LEASE_SECONDS="3", WEBHOOK_TIMEOUT="20",
               CALLCENTER_INSTANCE=settings.instance_path, PUBLIC_BASE_URL="http://hotline.test")
    return env


@pytest.fixture
def workers(rq_env):
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen([str(CLI), "worker"], env=rq_env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def rq_container(settings, redis_server, rq_env, monkeypatch):
    for key in ("DELIVERY_RETRY_INTERVALS", "DELIVERY_LEASE_SECONDS"):
        monkeypatch.setenv(key, rq_env[key])
    c = build(settings.with_(redis_url=redis_server.url))
    yield c
    c.close()


def _dispatch_webhook(container, world, url, n=1) -> list[int]:
    set_channels(container, "department", world.departments["MZ"],
                 [{"kind": "webhook", "url": url, "secret": SECRET}])
    ids = []
    for _ in range(n):
        number = open_ticket(container, world)
        with container.sessions.begin() as s:
            d = svc.dispatch_ticket(s, world.actors["agent_a1"], number,
                                    {"kind": "department", "id": world.departments["MZ"]},
                                    container.extras["dispatcher"].messaging)
            ids += s.scalars(select(Delivery.id).where(Delivery.dispatch_id == d.id,
                                                       Delivery.channel == "webhook")).all()
    return ids



def _kill_whole_worker(proc: subprocess.Popen) -> None:
    for pid in descendants(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def _wait(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _states(container, ids):
    with container.sessions() as s:
        return [s.get(Delivery, i).state for i in ids]


def _outbox_item(container, delivery_id) -> OutboxItem:
    with container.sessions() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.delivery_id == delivery_id)).one()
        return OutboxItem(row.id, row.delivery_id, row.queue)


def test_a_delivery_retried_by_rq_and_enqueued_twice_more_is_sent_once(
        rq_container, world, webhook_target, workers):
    webhook_target.script = [("status", 500)]
    workers()
    [did] = _dispatch_webhook(rq_container, world, webhook_target.url)
    relay = rq_container.extras["dispatcher"].relay
    assert relay.drain() == 1
    _wait(lambda: _states(rq_container, [did]) == ["sent"], what="the retried delivery")
    queue = rq_container.extras["dispatcher"].queue
    item = _outbox_item(rq_container, did)
    for _ in range(2):  # a relay that lost track enqueues the same delivery again
        queue.enqueue(item)
    _wait(lambda: Job.fetch(job_id(item), connection=queue.redis).get_status().value == "finished",
          what="the duplicate jobs")
    time.sleep(0.3)
    assert [r.headers["X-Dispatch-Id"] for r in webhook_target.received] == \
        [webhook_target.received[0].headers["X-Dispatch-Id"]] * 2  # the 500, then the one success
    with rq_container.sessions() as s:
        assert s.get(Delivery, did).attempts == 2


def test_a_worker_killed_mid_send_leaves_the_job_to_be_picked_up_again(
        rq_container, world, webhook_target, workers):
    hold = threading.Event()
    webhook_target.script = [("hold", hold)]
    first = workers()
    [did] = _dispatch_webhook(rq_container, world, webhook_target.url)
    dispatcher = rq_container.extras["dispatcher"]
    dispatcher.relay.drain()
    assert webhook_target.got_request.wait(20), "the worker never sent the webhook"
    _kill_whole_worker(first)
    hold.set()
    item = _outbox_item(rq_container, did)
    job = Job.fetch(job_id(item), connection=dispatcher.queue.redis)
    assert job.get_status().value == "started"      # RQ alone would leave it there
    assert _states(rq_container, [did]) == ["sending"]
    workers()
    # The scheduler's registry clean-up, run as it would be once the heartbeat TTL passed:
    dispatcher.queue.maintain(at=time.time() + 3600)
    _wait(lambda: _states(rq_container, [did]) == ["sent"], what="the re-run delivery")
    a, b = webhook_target.received
    assert a.headers["X-Dispatch-Id"] == b.headers["X-Dispatch-Id"] and a.body == b.body
    assert a.headers["X-Signature"] == b.headers["X-Signature"]
    with rq_container.sessions() as s:
        assert s.get(Delivery, did).attempts == 2


def test_redis_stopping_and_restarting_during_dispatch_loses_and_doubles_nothing(
        rq_container, world, webhook_target, workers, redis_server, monkeypatch):
    relay = rq_container.extras["dispatcher"].relay
    relay.recheck_after = __import__("datetime").timedelta(0)
    before = _dispatch_webhook(rq_container, world, webhook_target.url, n=3)
    assert relay.drain() == 3            # queued in Redis, no worker yet
    redis_server.stop()                  # no persistence: those jobs are gone with it
    during = _dispatch_webhook(rq_container, world, webhook_target.url, n=3)
    assert relay.run_once() == (0, 0)    # dispatching still succeeded; rows wait in the outbox
    with rq_container.sessions() as s:
        waiting = s.scalars(select(OutboxMessage).where(OutboxMessage.enqueued_at.is_(None))).all()
        assert sorted(o.delivery_id for o in waiting) == sorted(during)
    redis_server.start()
    workers()
    assert relay.run_once() == (3, 3)    # the new rows, and the jobs Redis lost
    _wait(lambda: set(_states(rq_container, before + during)) == {"sent"}, what="all deliveries")
    assert relay.run_once() == (0, 0)
    ids = webhook_target.dispatch_ids()
    assert len(ids) == 6 and len(set(ids)) == 6
