"""Console actions through the bridge, answered by the simulator and reflected in its events."""

from __future__ import annotations

import pytest

from ami_harness import Harness, run
from integrations.ami.actions import Telephony, TelephonyError


def test_agent_pause_round_trip_reaches_the_pbx_and_back():
    async def scenario():
        async with Harness() as h:
            tel = Telephony(h.bridge)
            result = await tel.pause("8001", "会议")
            assert result.message == "Interface paused successfully"
            await h.until(lambda: h.sim.pbx.members[("hotline", "8001")].paused)
            await h.until(lambda: h.bridge.agents.agents["8001"].state == "paused")
            paused = [p for p in h.published("agent.state", "agent:8001") if p["state"] == "paused"]
            assert [p["reason"] for p in paused] == [
                "会议"
            ]  # console and PBX agree: announced once
            h.sim.start_scenario("answered", wait=1.5, talk=1.5)
            await h.until(lambda: h.stored)
            assert h.stored[0]["agents_rung"] == ["8002"]  # a paused agent is not rung
            await tel.unpause("8001")
            await h.until(lambda: not h.sim.pbx.members[("hotline", "8001")].paused)
            assert h.bridge.agents.agents["8001"].state == "ready"

    run(scenario())


def test_pbx_state_wins_when_it_disagrees_with_the_console():
    async def scenario():
        async with Harness() as h:
            h.bridge.console_state(
                "8001", "paused", "小休"
            )  # the console believed a pause happened
            h.sim.pbx.set_member("8001", status=1)  # the PBX says: not paused
            await h.until(lambda: h.bridge.agents.agents["8001"].state == "ready")

    run(scenario())


def test_login_and_logoff_add_and_remove_the_queue_member():
    async def scenario():
        async with Harness() as h:
            tel = Telephony(h.bridge)
            await tel.agent_login("8005", ["hotline", "care"])
            await h.until(
                lambda: h.bridge.agents.agents.get("8005")
                and h.bridge.agents.agents["8005"].state == "ready"
            )
            await tel.agent_logoff("8005", ["hotline", "care"])
            await h.until(lambda: h.bridge.agents.agents["8005"].state == "offline")
            assert ("hotline", "8005") not in h.sim.pbx.members

    run(scenario())


def test_refused_and_invalid_actions_return_clear_errors():
    async def scenario():
        async with Harness() as h:
            tel = Telephony(h.bridge)
            with pytest.raises(TelephonyError) as bad:
                await tel.pause("8001", "睡觉")
            assert bad.value.code == "bad_request" and "小休" in bad.value.message
            with pytest.raises(TelephonyError) as refused:
                await tel.agent_logoff("8009", ["hotline"])
            assert refused.value.code == "pbx_refused" and "Not there" in refused.value.message
            with pytest.raises(TelephonyError) as gone:
                await tel.hangup("PJSIP/nobody-00000001")
            assert gone.value.to_json()["error"]["code"] == "pbx_refused"
            with pytest.raises(TelephonyError):
                await tel.click_to_dial("8001", "12a")

    run(scenario())


def test_action_while_disconnected_says_so():
    async def scenario():
        async with Harness() as h:
            h.sim.accepting = False
            h.sim.drop_connections()
            await h.until(lambda: h.bridge.connection is None)
            with pytest.raises(TelephonyError) as exc:
                await Telephony(h.bridge).unpause("8001")
            assert exc.value.code == "pbx_disconnected"

    run(scenario())


def test_click_to_dial_rings_the_agent_first_then_the_resident():
    async def scenario():
        async with Harness() as h:
            h.sim.pbx.interactive = True
            await Telephony(h.bridge).click_to_dial("8001", "13800138000")
            await h.until(lambda: h.sim.answer("8001"))  # the agent picks up the ringing phone
            await h.until(lambda: h.stored, timeout=20)
            [record] = h.stored
            assert (record["direction"], record["dialled"], record["answered_by"]) == (
                "outbound",
                "13800138000",
                "8001",
            )

    run(scenario())


def test_redirect_moves_the_resident_to_another_queue():
    async def scenario():
        async with Harness() as h:
            h.sim.start_scenario("answered", wait=1.5, talk=30)
            await h.until(lambda: any(r.answered_at for r in h.bridge.fold.active()))
            [call] = h.bridge.fold.active()
            await Telephony(h.bridge).transfer(call.root_channel, "care")
            await h.until(lambda: h.stored, timeout=20)
            [record] = h.stored
            assert record["queue"] == "care" and record["agents_rung"][-1] == "8003"

    run(scenario())


def test_supervisor_listen_originates_chanspy():
    async def scenario():
        async with Harness() as h:
            result = await Telephony(h.bridge).spy("8003", "8001", "whisper")
            assert result.message == "Originate successfully queued"
            with pytest.raises(TelephonyError):
                await Telephony(h.bridge).spy("8003", "8001", "shout")

    run(scenario())
