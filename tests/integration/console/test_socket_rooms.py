"""Socket.IO over a real server: each connection joins only the rooms its user may see."""
from __future__ import annotations

import queue

import pytest
import socketio

from console_live import LiveServer


def ringing(ext: str, lid: str, queue_name: str = "qa1") -> dict:
    return {"linkedid": lid, "extension": ext, "caller_number": "13800138000", "queue": queue_name,
            "ivr_vars": {"CC_INTENT": "service", "CC_IVR_PATH": "1"}}


def test_agent_never_receives_another_agents_pop(app, container, street_world, browsers):
    with LiveServer(app) as srv:
        a = browsers(srv.url).login("agent_a1", "8001", "/console/").connect("/agent")
        b = browsers(srv.url).login("agent_a2", "8002", "/console/").connect("/agent")
        container.events.publish("call.ringing", ringing("8001", "L-1"), room="agent:8001")
        container.events.publish("call.ringing", ringing("8002", "L-2", "qa2"), room="agent:8002")
        name, data = a.next()
        assert (name, data["linkedid"], data["room"]) == ("call.ringing", "L-1", "agent:8001")
        name, data = b.next()
        assert (name, data["linkedid"]) == ("call.ringing", "L-2")  # B's first event is its own
        with pytest.raises(queue.Empty):
            a.next(timeout=0.3)


def test_street_supervisor_never_sees_another_streets_queue(app, container, street_world, browsers):
    with LiveServer(app) as srv:
        s1 = browsers(srv.url).login("sup_a1", page="/wallboard/").connect("/supervisor")
        s2 = browsers(srv.url).login("sup_a2", page="/wallboard/").connect("/supervisor")
        district = browsers(srv.url).login("sup_a", page="/wallboard/").connect("/supervisor")
        container.events.publish("call.offered", {"linkedid": "L-9", "queue": "qa2",
                                                  "caller_number": "13912345678"}, room="queue:qa2")
        name, data = s2.next()
        assert (name, data["room"]) == ("call.offered", "queue:qa2")
        assert district.next()[1]["room"] == "queue:qa2"   # the district sees both streets
        with pytest.raises(queue.Empty):
            s1.next(timeout=0.3)
        assert [r["room"] for r in s1.snapshot()] == ["queue:qa1", f"region:{street_world.paths['A1']}"]


def test_socket_without_the_pages_csrf_token_is_refused(app, street_world, browsers):
    with LiveServer(app) as srv:
        b = browsers(srv.url).login("agent_a1", "8001", "/console/")
        with pytest.raises(socketio.exceptions.ConnectionError):
            b.connect("/agent", csrf="forged")


def test_anonymous_socket_is_refused(app, street_world, browsers):
    with LiveServer(app) as srv:
        b = browsers(srv.url)
        b.http.get(f"{srv.url}/login")
        with pytest.raises(socketio.exceptions.ConnectionError):
            b.connect("/agent", csrf="")


def test_agent_may_not_open_the_supervisor_namespace(app, street_world, browsers):
    with LiveServer(app) as srv:
        b = browsers(srv.url).login("agent_a1", "8001", "/console/")
        with pytest.raises(socketio.exceptions.ConnectionError):
            b.connect("/supervisor")


def test_agent_may_not_claim_an_extension_bound_to_another_agent(app, street_world, browsers):
    with LiveServer(app) as srv:
        b = browsers(srv.url).login("agent_b", "8001", "/console/")   # 8001 is agent_a1's
        with pytest.raises(socketio.exceptions.ConnectionError):
            b.connect("/agent")


def test_snapshot_after_reconnect_never_holds_a_call_the_bridge_closed(app, container, street_world,
                                                                        browsers):
    with LiveServer(app) as srv:
        a = browsers(srv.url).login("agent_a1", "8001", "/console/").connect("/agent")
        container.events.publish("call.ringing", ringing("8001", "L-1"), room="agent:8001")
        first = a.next()[1]
        a.close()
        container.events.publish("call.ended", {"linkedid": "L-1", "queue": "qa1",
                                                "disposition": "abandoned"}, room="queue:qa1")
        a.connect("/agent")
        [snap] = a.snapshot()
        assert snap["room"] == "agent:8001" and snap["state"]["calls"] == {}
        assert snap["seq"] == first["seq"] + 1 and snap["epoch"] == first["epoch"]
        container.events.publish("call.ringing", ringing("8001", "L-1"), room="agent:8001")
        container.events.publish("call.ringing", ringing("8001", "L-2"), room="agent:8001")
        name, data = a.next()
        assert (data["linkedid"], data["seq"]) == ("L-2", snap["seq"] + 1)   # L-1 stays closed
