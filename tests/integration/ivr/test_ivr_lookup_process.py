"""Store lookups answered by a child process over a pipe (decisions/0009): same answers as
StoreDirectory, and a dead, stuck, garbled or unreachable child only ever queues a caller."""
from __future__ import annotations

import asyncio
import io
import os
import pickle
import signal
import sys
import time

import pytest

from ivr.directory import DirectoryError
from ivr.lookup_process import FRAME, RESPAWN_AFTER, LookupProcesses, serve
from ivr.store_directory import StoreDirectory
from ivr_asterisk_peer import call, environment
from ivr_asterisk_peer import serve as serve_calls
from test_ivr_store_directory import seed


def child_env(settings) -> dict:
    return dict(os.environ, DATABASE_URL=settings.database_url, CALLCENTER_DEMO="")


def run(coro):
    return asyncio.run(coro)


async def asking(lookups: LookupProcesses, *questions):
    try:
        await lookups.start()
        return [await lookups.ask(*q) for q in questions]
    finally:
        await lookups.close()


def test_child_answers_as_the_store_directory_does(container, world, settings):
    seed(container, world)
    store = StoreDirectory(container.sessions)
    questions = [("lookup_caller", "+8613602001234"), ("lookup_caller", "+8613000000000"),
                 ("ticket_status", "20261127901"), ("ticket_status", "nope"),
                 ("caller_context", "+8613700000001")]
    answers = run(asking(LookupProcesses(child_env(settings)), *questions))
    assert answers == [getattr(store, name)(arg) for name, arg in questions]
    assert answers[4][1][0].deadline.tzinfo is not None  # aware UTC, through the pipe


def test_unknown_question_is_refused_before_and_inside_the_child():
    with pytest.raises(DirectoryError, match="not a directory question"):
        run(LookupProcesses({}).ask("drop_table", "x"))
    body = pickle.dumps((7, "__class__", ()))
    out = io.BytesIO()
    serve(object(), io.BytesIO(FRAME.pack(len(body)) + body), out)
    rid, ok, text = pickle.loads(out.getvalue()[FRAME.size:])
    assert (rid, ok) == (7, False) and "__class__" in text


def test_fastagi_call_hears_its_own_ticket_through_the_child(container, world, settings):
    ids = seed(container, world)
    server, _ = serve_calls(LookupProcesses(child_env(settings)))
    with server:
        s = call(server, ["4", "20261127901", "0"], callerid="13700000001")
    assert 'SAY DIGITS 20261127901 ""' in s.commands
    assert (s.variables["CC_RESIDENT_ID"], s.variables["CC_LANG"]) == (ids["john"], "en")


def test_child_killed_mid_lookup_queues_the_caller_and_is_started_again(container, world,
                                                                       settings):
    seed(container, world)
    lookups = LookupProcesses(child_env(settings))
    server, outcomes = serve_calls(lookups, timeout=30)  # the failure must not wait for it
    with server:
        first = lookups.children[0]
        os.kill(first.transport.get_pid(), signal.SIGSTOP)  # hold the question unanswered
        peer = server.peer()
        try:
            peer.send_env(environment(uniqueid="dead", callerid="13700000001"))
            deadline = time.monotonic() + 10
            while not first.pending and time.monotonic() < deadline:
                time.sleep(0.01)
            assert first.pending, "the call's lookup never reached the child"
            os.kill(first.transport.get_pid(), signal.SIGKILL)
            s = peer.run(["1"])
        finally:
            peer.close()
        assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")
        assert "lookup process ended" in outcomes["dead"].fault
        time.sleep(RESPAWN_AFTER)
        s = call(server, ["0"], uniqueid="again", callerid="13700000001")
        assert outcomes["again"].fault is None and s.variables["CC_LANG"] == "en"
        assert lookups.children[0] is not first and lookups.starts == 2


def test_stuck_child_costs_the_lookup_timeout_not_the_other_calls(container, world, settings):
    seed(container, world)
    lookups = LookupProcesses(child_env(settings))
    server, outcomes = serve_calls(lookups, timeout=0.3)
    with server:
        pid = lookups.children[0].transport.get_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            s = call(server, ["1"], uniqueid="stuck", callerid="13700000001")
        finally:
            os.kill(pid, signal.SIGCONT)
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")
    assert "timed out" in outcomes["stuck"].fault


GARBLED = "import sys; sys.stdin.buffer.read(4); sys.stdout.buffer.write(b'\\0\\0\\0\\5hello'); " \
          "sys.stdout.flush(); sys.stdin.buffer.read()"


@pytest.mark.parametrize("script,reason", [
    (GARBLED, "unreadable"),
    ("import sys; sys.stdout.buffer.write(b'\\xff\\xff\\xff\\xff'); sys.stdout.flush()", "frame"),
    ("import sys; sys.exit(3)", "ended"),
])
def test_garbled_or_dead_child_fails_the_question_at_once(script, reason):
    lookups = LookupProcesses({}, command=[sys.executable, "-c", script])

    async def ask():
        try:
            async with asyncio.timeout(5):  # fails at once, well inside a lookup timeout
                return await lookups.ask("lookup_caller", "+8613700000001")
        finally:
            await lookups.close()

    with pytest.raises(DirectoryError, match=reason):
        run(ask())


def test_child_that_cannot_start_queues_callers_without_a_fork_per_call():
    lookups = LookupProcesses({}, command=[sys.executable, "-c", "raise SystemExit(1)"])
    server, outcomes = serve_calls(lookups)
    with server:
        for n in range(6):
            s = call(server, ["1"], uniqueid=f"down{n}", callerid="13700000001")
            assert s.variables["CC_INTENT"] == "agent"
    assert len(outcomes) == 6 and all(o.fault for o in outcomes.values())
    assert lookups.starts <= 2  # at most one start per RESPAWN_AFTER, not one per call
