"""Call control for the web process, over the bridge's own AMI session (issue 4's Telephony).

Flask handlers are threads; the bridge lives on its own event loop: every action is
run there and waited for. An agent may act only on a call its phone is part of; the
channel to act on is read from the bridge's fold, never taken from the browser.
"""
from __future__ import annotations

from typing import Any

from integrations.ami.actions import ActionResult, TelephonyError
from integrations.ami.runtime import TelephonyThread


class CallControl:
    def __init__(self, thread: TelephonyThread) -> None:
        self.thread = thread

    @property
    def demo(self) -> bool:
        return self.thread.simulator is not None

    def _tel(self):
        if self.thread.telephony is None:
            raise TelephonyError("pbx_disconnected", "话务桥未启动")
        return self.thread.telephony

    def login(self, ext: str, queues: list[str]) -> list[ActionResult]:
        """Join each queue; one the phone is already in counts as done (a second click)."""
        tel, out = self._tel(), []
        for queue in queues:
            try:
                out += tel.run(tel.agent_login(ext, [queue]))
            except TelephonyError as exc:
                if "Already there" not in exc.message:
                    raise
                out.append(ActionResult("login", f"{queue}: already logged in"))
        return out

    def logoff(self, ext: str, queues: list[str]) -> list[ActionResult]:
        tel = self._tel()
        return tel.run(tel.agent_logoff(ext, queues))

    def pause(self, ext: str, reason: str) -> ActionResult:
        tel = self._tel()
        return tel.run(tel.pause(ext, reason))

    def unpause(self, ext: str) -> ActionResult:
        tel = self._tel()
        return tel.run(tel.unpause(ext))

    def dial(self, ext: str, number: str) -> ActionResult:
        tel = self._tel()
        return tel.run(tel.click_to_dial(ext, number))

    def spy(self, supervisor_ext: str, agent_ext: str, mode: str) -> ActionResult:
        tel = self._tel()
        return tel.run(tel.spy(supervisor_ext, agent_ext, mode))

    def hangup(self, ext: str, linkedid: str) -> ActionResult:
        tel = self._tel()
        return tel.run(tel.hangup(self._channel(ext, linkedid, agent_leg=True)))

    def transfer(self, ext: str, linkedid: str, target: str) -> ActionResult:
        tel = self._tel()
        return tel.run(tel.transfer(self._channel(ext, linkedid), target))

    def answer(self, ext: str) -> bool:
        """Demo only: the simulated phone picks up (a real phone is answered on the phone)."""
        if not self.demo:
            raise TelephonyError("bad_request", "请在话机上接听")
        return self.thread.answer(ext)

    def agent_states(self) -> dict[str, dict[str, Any]]:
        bridge = self.thread.bridge
        return self.thread.call(bridge.agents.snapshot) if bridge else {}

    def _channel(self, ext: str, linkedid: str, agent_leg: bool = False) -> str:
        bridge = self.thread.bridge
        if bridge is None:
            raise TelephonyError("pbx_disconnected", "话务桥未启动")
        found = self.thread.call(_call_channel, bridge, linkedid, ext, agent_leg)
        if found is None:
            raise TelephonyError("no_such_call", "这通电话已经结束")
        if found == "":
            raise TelephonyError("not_your_call", "只能操作本分机的通话")
        return found


def _call_channel(bridge, linkedid: str, ext: str, agent_leg: bool) -> str | None:
    """The caller's channel (or this agent's leg) of a live call `ext` takes part in;
    '' if it is not this agent's call, None if the call is over."""
    rec = bridge.fold.calls.get(linkedid)
    if rec is None or not rec.root_channel:
        return None
    if rec.answered_by != ext and ext not in rec.agents_rung:
        return ""
    if agent_leg:
        for channel, leg in rec.legs.items():
            if leg.extension == ext and leg.answered_at is not None and not leg.transferred_away:
                return channel
    return rec.root_channel
