"""The classic pyst2 AGI script, run as Asterisk runs it: a process on stdin/stdout."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from ivr_asterisk_peer import WELL_FORMED, Session, environment, reply_to

SCRIPT = Path(sys.executable).parent / "callcenter-agi"


def run_script(args, digits, hangup_at=None, **env_overrides):
    env = dict(os.environ, CALLCENTER_DEMO="1", IVR_CLOCK="2026-11-27T10:00:00+08:00")
    proc = subprocess.Popen([str(SCRIPT), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    watchdog = threading.Timer(30, proc.kill)
    watchdog.start()
    try:
        env_lines = environment(**env_overrides)
        proc.stdin.write(("\n".join(env_lines) + "\n\n").encode())
        proc.stdin.flush()
        s, digits = Session(), list(digits)
        while line := proc.stdout.readline():
            command = line.decode().rstrip("\n")
            if hangup_at is not None and len(s.commands) >= hangup_at:
                (s.commands if len(s.commands) == hangup_at else s.after_hangup).append(command)
                proc.stdin.write(b"200 result=-1\nHANGUP\n")
                proc.stdin.flush()
                continue
            s.commands.append(command)
            proc.stdin.write((reply_to(command, digits, s) + "\n").encode())
            proc.stdin.flush()
        s.closed = True
        stderr = proc.stderr.read().decode()
        return s, proc.wait(10), stderr
    finally:
        watchdog.cancel()
        proc.kill()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()


def test_script_queues_a_complaint_over_stdin_and_stdout():
    s, code, _ = run_script(["hotline"], ["3"])
    assert code == 0
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("complaint", "complaint")
    assert s.variables["CC_RESIDENT_ID"] == "r-1"
    assert s.commands[0].startswith('STREAM FILE callcenter/hotline/welcome ""')


def test_script_commands_are_well_formed_agi():
    s, _, _ = run_script(["hotline"], ["4", "20261127001", "0"])
    assert s.commands and all(WELL_FORMED.match(c) for c in s.commands), s.commands


def test_script_stops_at_hangup_and_exits_cleanly():
    s, code, _ = run_script(["hotline"], ["1"], hangup_at=1)
    assert code == 0
    assert s.after_hangup == []
    assert not any(k.startswith("CC_") for k in s.variables)


def test_script_runs_the_survey_with_ticket_and_linkedid_arguments():
    s, code, _ = run_script(["survey", "20261127001", "1795865089.1"], ["4"])
    assert code == 0
    assert s.commands[-1] == "HANGUP"
    assert any("survey_thanks" in c for c in s.commands)


def test_script_does_not_echo_the_callers_number_to_asterisks_console():
    _, _, stderr = run_script(["hotline"], ["1"])
    assert "13800138000" not in stderr and "张三" not in stderr
