"""A blocking (store-like) directory is called off the event loop, bounded by a timeout."""
from __future__ import annotations

import threading
import time

import pytest

from ivr.demo import demo_directory
from ivr_asterisk_peer import call, environment, serve


class BlockingDirectory:
    """The demo data behind calls that block like a database's, optionally slow or broken."""

    blocking = True

    def __init__(self, delay: float = 0.0, fail: bool = False, gated: str | None = None):
        self.inner, self.delay, self.fail = demo_directory(), delay, fail
        self.threads: set[str] = set()
        self.gated, self.gate = gated, threading.Event()

    def _call(self, name, *args):
        self.threads.add(threading.current_thread().name)
        if self.gated in args:
            self.gate.wait(10)  # held until the test lets this lookup finish
        time.sleep(self.delay)
        if self.fail:
            raise ConnectionError("could not connect to server")
        return getattr(self.inner, name)(*args)

    def lookup_caller(self, number):
        return self._call("lookup_caller", number)

    def ticket_status(self, number):
        return self._call("ticket_status", number)

    def record_survey(self, *args):
        return self._call("record_survey", *args)


def test_store_lookups_run_on_worker_threads_not_the_event_loop():
    directory = BlockingDirectory()
    server, _ = serve(directory)
    with server:
        s = call(server, ["4", "20261127001", "0"])
    assert s.variables["CC_RESIDENT_ID"] == "r-1" and s.variables["CC_TICKET"] == "20261127001"
    assert directory.threads and all(n.startswith("ivr-directory") for n in directory.threads)


def test_survey_score_is_recorded_once_through_the_store_path():
    directory = BlockingDirectory()
    server, _ = serve(directory)
    with server:
        call(server, ["2"], script="survey", agi_arg_1="20261127001", agi_arg_2="L9")
    assert directory.inner.surveys == [("20261127001", "L9", 2)]


def test_slow_store_does_not_delay_a_caller_past_the_lookup_timeout():
    server, outcomes = serve(BlockingDirectory(delay=0.3), timeout=0.05)
    with server:
        s = call(server, ["1"], uniqueid="slow")
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")
    assert "timed out" in outcomes["slow"].fault


@pytest.mark.parametrize("digits", [[], ["4", "20261127001"]])
def test_store_outage_queues_the_caller_to_a_person(digits):
    server, outcomes = serve(BlockingDirectory(fail=True))
    with server:
        s = call(server, digits, uniqueid="down")
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")
    assert "ConnectionError" in outcomes["down"].fault


def test_other_calls_proceed_while_one_waits_on_a_slow_store():
    directory = BlockingDirectory(gated="+8613912345678")
    server, _ = serve(directory, timeout=20)
    with server:
        waiting = server.peer()
        waiting.send_env(environment(uniqueid="waiting", callerid="13912345678"))
        fast = call(server, ["1"], uniqueid="fast")
        assert fast.variables["CC_INTENT"] == "service"
        assert not waiting.pending()  # its lookup is still held: nothing sent to it yet
        directory.gate.set()
        assert waiting.run(["2"]).variables["CC_INTENT"] == "consult"
        waiting.close()


class ContextDirectory(BlockingDirectory):
    """A store that can answer the caller and the caller's own tickets in one round trip."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls: list[str] = []

    def _call(self, name, *args):
        self.calls.append(name)
        return super()._call(name, *args)

    def caller_context(self, number):
        self.calls.append("caller_context")
        self.threads.add(threading.current_thread().name)
        if self.fail:
            raise ConnectionError("could not connect to server")
        mine = [t for t in self.inner.tickets.values() if number in t.phones]
        return self.inner.lookup_caller(number), mine


def test_own_ticket_is_answered_from_the_call_start_fetch_in_one_thread_hop():
    directory = ContextDirectory()
    server, _ = serve(directory)
    with server:
        s = call(server, ["4", "20261127001", "1", "0"])
    assert s.commands.count('SAY DIGITS 20261127001 ""') == 2  # heard twice
    assert directory.calls == ["caller_context"]  # no second trip for the caller's own ticket
    assert all(n.startswith("ivr-directory") for n in directory.threads)


def test_someone_elses_ticket_is_still_looked_up_and_verified():
    directory = ContextDirectory()
    server, _ = serve(directory)
    with server:
        s = call(server, ["4", "20261127002", "1234", "1234", "1234"])
    assert directory.calls == ["caller_context", "ticket_status"]
    assert 'SAY DIGITS 20261127002 ""' not in s.commands  # never proved it was theirs
    assert (s.variables["CC_INTENT"], s.variables["CC_TICKET"]) == ("status", "20261127002")


def test_outage_during_the_call_start_fetch_queues_the_caller_to_a_person():
    server, outcomes = serve(ContextDirectory(fail=True))
    with server:
        s = call(server, ["1"], uniqueid="ctx-down")
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")
    assert "ConnectionError" in outcomes["ctx-down"].fault


def test_call_start_step_runs_once_the_callers_record_fetched_before_it(monkeypatch):
    from ivr.engine import Engine

    starts = []
    real_start = Engine.start

    def counted(self, call):
        starts.append(call.linkedid)
        return real_start(self, call)

    monkeypatch.setattr(Engine, "start", counted)
    directory = ContextDirectory()
    server, outcomes = serve(directory)
    with server:
        s = call(server, ["4", "20261127001", "1", "0"], uniqueid="once")
    assert starts == ["once"]  # not run, deferred, run again
    assert directory.calls == ["caller_context"]
    assert s.commands.count('SAY DIGITS 20261127001 ""') == 2
    assert outcomes["once"].ended == "queued"
