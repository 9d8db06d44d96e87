"""Intake jobs (voicemail, call-back, fax, survey) held while Redis is down survive a
`kill -9` of the bridge: its journal file gives them to the next bridge, which enqueues
them once Redis answers, and `callcenter worker` files each once."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from callcenter.models.calls import CallRecord
from callcenter.ports import RecordingEvents
from fault_rig import CLI, BridgeCLI, SimThread, bridge_env, wait_for
from integrations import intake_jobs
from integrations.ami.simulator import flows

pytestmark = pytest.mark.redis


def callback_call(pbx, number: str) -> str:
    """As the after-hours dialplan: the caller asks to be called back, then hangs up."""
    call = flows.start_call(pbx, number, "")
    pbx.set_state(call.caller, 6)
    pbx.emit("UserEvent", UserEvent="CallbackRequested", CallerID=number, Lang="zh",
             ResidentID="", Intent="service", **pbx.fields(call.caller))
    flows.teardown(pbx, call, by="caller")
    return call.caller.linkedid


def _job_lines(path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return []
    return [json.loads(x) for x in text.splitlines() if x.strip()]


def test_jobs_held_while_redis_is_down_reach_the_worker_after_the_bridge_is_killed(
        container, world, redis_server):
    Redis.from_url(redis_server.url).flushall()
    settings = container.settings
    env = bridge_env(settings.database_url, redis_server.url, "", settings.instance_path)
    journal = f"{settings.instance_path}/intake-held-fault-node.jsonl"
    with SimThread() as pbx:
        env["AMI_URL"] = pbx.sim.url
        first = BridgeCLI(env).start()
        second = None
        try:
            wait_for(lambda: bool(pbx.sim.sessions), 30, "the bridge logged in")
            time.sleep(0.5)   # the start-up resync comes before the calls
            redis_server.stop()
            lids = [pbx.run(_async(callback_call, pbx.sim.pbx, f"1360200{i:04d}"))
                    for i in range(3)]
            wait_for(lambda: len(_job_lines(journal)) == 3, 30, "three jobs held")
            first.kill(signal.SIGKILL)
            redis_server.start()
            second = BridgeCLI(env).start()
            queue = Queue(intake_jobs.INTAKE_QUEUE, connection=Redis.from_url(redis_server.url))
            wanted = {intake_jobs.job_id("callback", lid) for lid in lids}
            wait_for(lambda: wanted <= set(queue.job_ids), 30, "held jobs enqueued")
            wait_for(lambda: _job_lines(journal) == [], 10, "journal emptied")
        finally:
            first.close()
            if second is not None:
                second.close()
    done = subprocess.run([str(CLI), "worker", "--burst", "--simple", "--queues", "intake"],
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    with container.sessions() as s:
        rows = s.scalars(select(CallRecord).where(CallRecord.linkedid.in_(lids))).all()
        assert sorted(r.linkedid for r in rows) == sorted(lids)   # each once
        assert {r.disposition for r in rows} == {"callback"}


async def _async(func, *args):
    return func(*args)


def test_a_journal_left_behind_is_enqueued_at_start_and_bad_lines_kept_aside(
        redis_server, tmp_path):
    Redis.from_url(redis_server.url).flushall()
    path = tmp_path / "intake-held.jsonl"
    survey = {"linkedid": "9.1", "score": 5}
    path.write_text(
        json.dumps({"id": "survey-9_1", "job": "record_survey", "arg": survey}) + "\n"
        + json.dumps({"id": "survey-9_2", "job": "record_survey", "arg": {"linkedid": "9.2"}})
        + "\n" + json.dumps({"done": "survey-9_2"}) + "\n"
        + json.dumps({"id": "x-1", "job": "format_disk", "arg": {}}) + "\n"
        + '{"id": "survey-9_3", "job": "rec', encoding="utf-8")   # cut short by a kill
    queue = Queue(intake_jobs.INTAKE_QUEUE, connection=Redis.from_url(redis_server.url))
    jobs = intake_jobs.IntakeJobs(RecordingEvents(), queue, retry_every=0.05,
                                  journal=intake_jobs.JobJournal(str(path)))
    wait_for(lambda: queue.job_ids == ["survey-9_1"], 10, "the held job enqueued")
    jobs.publish("call.survey", {"linkedid": "9.1", "score": 5})   # already held: not again
    jobs.close()
    assert queue.job_ids == ["survey-9_1"] and queue.fetch_job("survey-9_1").args == (survey,)
    assert path.read_text(encoding="utf-8") == ""
    rejected = [json.loads(x) for x in (tmp_path / "intake-held.jsonl.rejected")
                .read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rejected] == [4, 5]
    assert rejected[1]["text"] == '{"id": "survey-9_3", "job": "rec'
