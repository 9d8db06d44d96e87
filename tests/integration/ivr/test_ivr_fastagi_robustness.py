"""Bad peers must not delay other calls: half-open, slow, garbage, early-closing, oversized."""
from __future__ import annotations

import socket

import pytest

from ivr.fastagi import Limits
from ivr_asterisk_peer import ServerThread, environment


def good_call(server, uniqueid="good"):
    peer = server.peer(timeout=10)
    try:
        peer.send_env(environment(uniqueid=uniqueid))
        return peer.run(["1"])
    finally:
        peer.close()


def server_closed(sock: socket.socket) -> bool:
    """Block until the server closes the connection (True) or sends data (False)."""
    sock.settimeout(10)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


@pytest.fixture
def patient_server(ivr_service):
    """A server that gives each peer a long handshake budget, so only blocking would delay."""
    with ServerThread(ivr_service, Limits(env_timeout=60)) as server:
        yield server


def test_peer_closing_before_the_end_of_its_environment_does_not_freeze_others(patient_server):
    early = socket.create_connection(("127.0.0.1", patient_server.port))
    early.sendall(b"agi_network: yes\nagi_network_script: hotline\n")
    early.close()
    assert good_call(patient_server).variables["CC_QUEUE"] == "hotline"


def test_half_open_peer_does_not_delay_other_calls(patient_server):
    silent = socket.create_connection(("127.0.0.1", patient_server.port))
    silent.sendall(b"agi_network: yes\n")
    try:
        assert good_call(patient_server).variables["CC_QUEUE"] == "hotline"
        silent.setblocking(False)
        with pytest.raises(BlockingIOError):  # still connected: the good call did not wait for it
            silent.recv(1)
    finally:
        silent.close()


def test_slow_peer_is_served_while_others_are_served_first(patient_server):
    slow = patient_server.peer()
    env = ("\n".join(environment(uniqueid="slow")) + "\n\n").encode()
    slow.send(env[:40])
    assert good_call(patient_server).closed
    slow.send(env[40:])
    s = slow.run(["2"])
    slow.close()
    assert s.variables["CC_INTENT"] == "consult"


def test_half_open_peer_is_dropped_after_the_handshake_timeout(ivr_service):
    with ServerThread(ivr_service, Limits(env_timeout=0.2)) as server:
        silent = socket.create_connection(("127.0.0.1", server.port))
        silent.sendall(b"agi_network: yes\n")
        assert server_closed(silent)
        silent.close()


def test_garbage_instead_of_an_environment_is_dropped_at_once(patient_server):
    junk = socket.create_connection(("127.0.0.1", patient_server.port))
    junk.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert server_closed(junk)
    junk.close()
    assert good_call(patient_server).closed


def test_binary_noise_is_dropped_at_once(patient_server):
    junk = socket.create_connection(("127.0.0.1", patient_server.port))
    junk.sendall(bytes(range(256)) + b"\n")
    assert server_closed(junk)
    junk.close()


def test_oversized_environment_line_is_dropped(patient_server):
    big = socket.create_connection(("127.0.0.1", patient_server.port))
    big.sendall(b"agi_network: " + b"x" * 20000)
    assert server_closed(big)
    big.close()
    assert good_call(patient_server).closed


def test_environment_larger_than_one_read_is_read_whole(agi_server):
    # The server reads at most env_max_bytes (16 KiB) per recv (ivr.fastagi.bound_reads): an
    # environment of ~15 KiB sent in one write, with its end in the next read, still starts a call.
    padding = {f"agi_var_{i}": "z" * 90 for i in range(150)}
    lines = environment(uniqueid="big-env", **padding)
    assert 14000 < len(("\n".join(lines) + "\n\n").encode()) < Limits().env_max_bytes
    peer = agi_server.peer()
    peer.send_env(lines)
    s = peer.run(["2"])
    peer.close()
    assert s.variables["CC_INTENT"] == "consult"


def test_endless_environment_is_dropped_at_the_size_limit(patient_server):
    big = socket.create_connection(("127.0.0.1", patient_server.port))
    try:
        for i in range(2000):
            big.sendall(f"agi_var_{i}: {'y' * 20}\n".encode())
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert server_closed(big)
    big.close()


def test_peer_closing_mid_call_is_a_caller_hangup(agi_server, outcomes):
    peer = agi_server.peer()
    peer.send_env(environment(uniqueid="gone"))
    assert peer.read_line().startswith("STREAM FILE")
    peer.close()
    assert good_call(agi_server).closed
    assert outcomes["gone"].ended == "caller_hangup"


def test_hangup_notice_before_the_reply_stops_the_call(agi_server, outcomes):
    peer = agi_server.peer()
    peer.send_env(environment(uniqueid="notice"))
    peer.read_line()
    peer.send(b"HANGUP\n")
    assert peer.read_line() is None  # the server sent nothing more and closed
    peer.close()
    assert outcomes["notice"].ended == "caller_hangup"


def test_garbage_reply_mid_call_still_tries_to_queue(agi_server):
    peer = agi_server.peer()
    peer.send_env(environment())
    peer.read_line()
    peer.send(b"\x00\xffnonsense\n")
    s = peer.run([])
    peer.close()
    assert (s.variables["CC_QUEUE"], s.variables["CC_INTENT"]) == ("hotline", "agent")


def test_asterisk_silent_mid_call_is_dropped_after_the_read_timeout(ivr_service, outcomes):
    with ServerThread(ivr_service, Limits(read_timeout=0.2)) as server:
        peer = server.peer()
        peer.send_env(environment(uniqueid="mute"))
        assert peer.read_line().startswith("STREAM FILE")
        assert peer.read_line() is None  # no reply from us: the server gives up and closes
        peer.close()
        assert good_call(server).closed
    assert outcomes["mute"].ended == "caller_hangup"
