"""Production shape (issue 9: nothing received is dropped): `callcenter ami-bridge` in its
own process follows the PBX simulator, enqueues intake jobs on a real redis-server, and
`callcenter worker` files the fax (and the after-hours voicemail and call-back) — once,
even when a job runs again."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from callcenter.models import Ticket
from callcenter.models.calls import CallRecord
from callcenter.models.public import FaxMessage
from integrations import intake_jobs
from integrations.ami.simulator import PBXSimulator, flows

pytestmark = pytest.mark.redis
BRIDGE = [sys.executable, "-c", "from callcenter.cli import main; main()", "ami-bridge"]
CLI = Path(sys.executable).parent / "callcenter"
FAX_TIFF = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "fax" / \
    "fax_received_2pages.tif"


class Simulator:
    """The PBX simulator on its own event loop, reachable over AMI on a free port."""

    def __init__(self) -> None:
        self.sim = PBXSimulator(queues={"hotline": []})
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> "Simulator":
        self.thread.start()
        self.run(self.sim.start())
        return self

    def __exit__(self, *exc) -> None:
        self.run(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def run(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


def fax_call(pbx, spool: Path) -> str:
    """As the dialplan's [fax-in]: ReceiveFAX wrote <uniqueid>.tif, then FaxReceived."""
    call = flows.start_call(pbx, "02155550100", "", "83001234")
    shutil.copy(FAX_TIFF, spool / f"{call.caller.uniqueid}.tif")
    pbx.set_state(call.caller, 6)
    pbx.emit("UserEvent", UserEvent="FaxReceived", Pages=2, RemoteStationID="+86 21 5555 0100",
             File=f"/var/spool/asterisk/fax/{call.caller.uniqueid}.tif", CallerID="02155550100",
             **pbx.fields(call.caller))
    flows.teardown(pbx, call, by="caller")
    return call.caller.linkedid


def after_hours_call(pbx, user_event: str, **headers) -> str:
    call = flows.start_call(pbx, "13602001234", "")
    pbx.set_state(call.caller, 6)
    pbx.emit("UserEvent", UserEvent=user_event, CallerID="13602001234", Lang="zh", ResidentID="",
             **headers, **pbx.fields(call.caller))
    flows.teardown(pbx, call, by="caller")
    return call.caller.linkedid


def wait_until(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s")
        time.sleep(0.05)


@pytest.fixture
def env(container, redis_server, tmp_path):
    Redis.from_url(redis_server.url).flushall()
    (tmp_path / "spool").mkdir()
    return {**os.environ, "REDIS_URL": redis_server.url, "SECRET_KEY": "test-secret",
            "DATABASE_URL": container.settings.database_url, "FAX_SPOOL": str(tmp_path / "spool"),
            "CALLCENTER_INSTANCE": container.settings.instance_path}


@pytest.fixture
def bridge(env, tmp_path):
    procs: list[subprocess.Popen] = []

    def start(ami_url: str) -> subprocess.Popen:
        log = open(tmp_path / "bridge.log", "wb")
        proc = subprocess.Popen(BRIDGE, env={**env, "AMI_URL": ami_url}, stdout=log,
                                stderr=subprocess.STDOUT)
        log.close()
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def run_worker(env) -> None:
    done = subprocess.run([str(CLI), "worker", "--burst", "--simple", "--queues", "intake"],
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-3000:]


def test_bridge_process_enqueues_and_worker_files_fax_voicemail_and_callback_once(
        container, world, env, bridge, tmp_path):
    voicemail = tmp_path / "msg0000"
    voicemail.with_suffix(".wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28))
    with Simulator() as pbx:
        proc = bridge(pbx.sim.url)
        wait_until(lambda: bool(pbx.sim.sessions) or proc.poll() is not None, "bridge logged in")
        assert proc.poll() is None, (tmp_path / "bridge.log").read_text()
        time.sleep(0.5)  # the start-up resync comes before calls

        async def place():
            return (fax_call(pbx.sim.pbx, tmp_path / "spool"),
                    after_hours_call(pbx.sim.pbx, "VoicemailLeft", Mailbox="12345@hotline",
                                     File=str(voicemail)),
                    after_hours_call(pbx.sim.pbx, "CallbackRequested", Intent="service"))
        fax_lid, vm_lid, cb_lid = pbx.run(place())
        queue = Queue(intake_jobs.INTAKE_QUEUE, connection=Redis.from_url(env["REDIS_URL"]))
        wanted = {intake_jobs.job_id("fax", fax_lid), intake_jobs.job_id("voicemail", vm_lid),
                  intake_jobs.job_id("callback", cb_lid)}
        wait_until(lambda: wanted <= set(queue.job_ids), "three intake jobs enqueued")
    run_worker(env)
    # A job delivered again (a retry after a crash, the bridge re-enqueuing) files nothing new.
    queue.enqueue(intake_jobs.receive_fax, intake_jobs.fax_headers(
        {"linkedid": fax_lid, "caller_number": "02155550100",
         "fax": {"file": f"/var/spool/asterisk/fax/{fax_lid}.tif", "pages": 2}}),
        job_id=intake_jobs.job_id("fax", fax_lid))
    queue.enqueue(intake_jobs.file_voicemail, {"linkedid": vm_lid, "file": str(voicemail),
                                               "caller_id": "13602001234"},
                  job_id=intake_jobs.job_id("voicemail", vm_lid))
    run_worker(env)
    with container.sessions() as s:
        (fax,) = s.scalars(select(FaxMessage))
        assert (fax.pages_read, fax.error, fax.caller_id) == (2, "", "02155550100")
        assert s.get(Ticket, fax.ticket_id).channel == "fax"
        (vm,) = s.scalars(select(Ticket).where(Ticket.call_linkedid == vm_lid))
        assert vm.channel == "phone" and "录音已附上" in vm.description
        (cb,) = s.scalars(select(CallRecord).where(CallRecord.linkedid == cb_lid))
        assert cb.disposition == "callback"


def test_intake_jobs_wait_while_redis_refuses_and_go_out_once_it_answers(redis_server):
    from callcenter.ports import RecordingEvents
    from servers import free_port
    Redis.from_url(redis_server.url).flushall()
    down = Queue(intake_jobs.INTAKE_QUEUE, connection=Redis(
        port=free_port(), socket_connect_timeout=0.2))
    inner = RecordingEvents()
    jobs = intake_jobs.IntakeJobs(inner, down, retry_every=0.05)
    ended = {"linkedid": "1795865163.18", "caller_number": "02155550100",
             "fax": {"file": "/var/spool/asterisk/fax/1795865163.19.tif", "pages": 2}}
    for room in ("queue:hotline", "agent:8001", None):  # one call.ended reaches several rooms
        jobs.publish("call.ended", {**ended, "seq": 1}, room=room)
    jobs.publish("call.offered", {"linkedid": "other"})
    assert len(inner.published) == 4  # every event still reaches the consoles
    time.sleep(0.3)  # several refused attempts meanwhile
    up = Queue(intake_jobs.INTAKE_QUEUE, connection=Redis.from_url(redis_server.url))
    jobs.queue = up
    wait_until(lambda: up.job_ids == ["fax-1795865163_18"], "the held job enqueued")
    jobs.close()
    job = up.fetch_job("fax-1795865163_18")
    assert job.args == ({"File": "/var/spool/asterisk/fax/1795865163.19.tif", "Pages": "2",
                         "RemoteStationID": "", "CallerID": "02155550100",
                         "Linkedid": "1795865163.18"},)
    assert job.retries_left == 3
