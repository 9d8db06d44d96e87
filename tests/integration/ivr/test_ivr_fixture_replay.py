"""Replay the recorded FastAGI sessions (Asterisk's side) against our server.

The recordings were made with a stand-in IVR (keys 1 general, 2 repair, 3 complaint), so
we replay the caller's environment and keys and assert what *our* menu does with them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr_asterisk_peer import WELL_FORMED

AGI_FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "agi"

# scenario: (CC_QUEUE, CC_INTENT, CC_IVR_PATH, CC_RESIDENT_ID), or None for a hang-up
EXPECTED = {
    "answered": ("hotline", "service", "1", "r-1"),
    "sip_answered": ("hotline", "service", "1", "r-1"),
    "agent_states": ("hotline", "service", "1", "r-1"),
    "ring_no_answer_then_answered": ("hotline", "service", "1", "r-4"),
    "abandoned": ("complaint", "complaint", "3", "r-3"),
    "sip_abandoned": ("complaint", "complaint", "3", "r-3"),
    "care_priority": ("care", "agent", "", "r-2"),
    "ivr_only": None,
}


def parse_recording(path: Path) -> tuple[list[str], list[list[str]]]:
    """Return the environment lines and, per recorded input command, Asterisk's reply lines."""
    env, replies, command = [], [], None
    for raw in path.read_text(encoding="utf-8").splitlines():
        side, text = raw[:2], raw[3:]
        if side == "S>":
            command = text
            if command.startswith(("GET DATA", "WAIT FOR DIGIT")):
                replies.append([])
        elif command is None:
            if text:
                env.append(text)
            else:
                command = ""
        elif command.startswith(("GET DATA", "WAIT FOR DIGIT")):
            replies[-1].append(text)
    return env, replies


def replay(server, env, replies):
    peer = server.peer()
    peer.send_env(env)
    commands, variables, pipelined = [], {}, False
    inputs = list(replies)
    while (command := peer.read_line()) is not None:
        pipelined |= peer.pending()
        commands.append(command)
        if command.startswith("GET DATA") and inputs:
            peer.send(("\n".join(inputs.pop(0)) + "\n").encode())
        elif command.startswith("GET DATA"):
            peer.send(b"200 result= (timeout)\n")
        else:
            if command.startswith("SET VARIABLE"):
                _, _, name, value = command.split(" ", 3)
                variables[name] = value.strip('"')
            peer.send(b"200 result=1\n" if command.startswith("SET") else b"200 result=0\n")
    peer.close()
    return commands, variables, pipelined


def test_every_recording_has_an_expectation():
    assert sorted(p.name.split(".")[0] for p in AGI_FIXTURES.glob("*.agi.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_recorded_session_replays_through_our_menu(agi_server, outcomes, scenario):
    env, replies = parse_recording(AGI_FIXTURES / f"{scenario}.agi.txt")
    commands, variables, pipelined = replay(agi_server, env, replies)
    uniqueid = dict(line.split(": ", 1) for line in env)["agi_uniqueid"]
    assert not pipelined, "a command was sent before the previous reply"
    assert all(WELL_FORMED.match(c) for c in commands), commands
    expected = EXPECTED[scenario]
    if expected is None:
        assert outcomes[uniqueid].ended == "caller_hangup"
        assert commands[-1].startswith("GET DATA")
        assert not any(k.startswith("CC_") for k in variables)
        return
    assert outcomes[uniqueid].ended == "queued"
    got = tuple(variables[k] for k in ("CC_QUEUE", "CC_INTENT", "CC_IVR_PATH", "CC_RESIDENT_ID"))
    assert got == expected
    assert variables["CC_LANG"] == "zh"
    assert 0 <= int(variables["CC_PRIORITY"]) <= 10
