"""Call control through the bridge's AMI session: each action returns success or a clear error.

Errors carry a stable `code` for the API and a Chinese `message` the console can show.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Awaitable

from integrations.ami.agents import PAUSE_REASONS
from integrations.ami.bridge import AMIBridge
from integrations.ami.client import AMIActionError, AMIConnectionLost

_EXT = re.compile(r"^\d{2,8}$")
_PHONE = re.compile(
    r"^(?:1[3-9]\d{9}|0\d{9,11}|\d{3,8})$"
)  # mobile, landline with area code, short/internal
SPY_OPTIONS = {"listen": "qES", "whisper": "qwES", "barge": "qBES"}


class TelephonyError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class ActionResult:
    action: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, "action": self.action, "message": self.message}


def _need(value: str, pattern: re.Pattern, what: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if not pattern.match(value):
        raise TelephonyError("bad_request", f"{what}格式不正确：{value or '（空）'}")
    return value


class Telephony:
    """The Telephony port over AMI: QueueAdd/Remove/Pause, Originate, Redirect, Hangup, ChanSpy."""

    def __init__(
        self,
        bridge: AMIBridge,
        *,
        interface: str = "PJSIP/{ext}",
        context: str = "agents",
        queue_context: str = "queues",
        hotline_number: str = "12345",
        timeout: float = 10.0,
    ) -> None:
        self.bridge, self.interface, self.context = bridge, interface, context
        self.queue_context = queue_context
        self.hotline_number, self.timeout = hotline_number, timeout

    async def _send(self, name: str, action: dict[str, Any]) -> ActionResult:
        conn = self.bridge.connection
        if conn is None:
            raise TelephonyError("pbx_disconnected", "与交换机的连接已断开，正在重连，请稍后再试")
        try:
            reply = await conn.send(action, timeout=self.timeout)
        except AMIConnectionLost:
            raise TelephonyError("pbx_disconnected", "与交换机的连接已断开，请稍后再试") from None
        except AMIActionError as exc:
            raise TelephonyError("pbx_refused", f"交换机拒绝了操作：{exc}") from None
        return ActionResult(name, reply.get("Message", ""))

    async def agent_login(
        self, ext: str, queues: list[str], paused: bool = False
    ) -> list[ActionResult]:
        ext = _need(ext, _EXT, "分机号")
        results = []
        for queue in queues:
            results.append(
                await self._send(
                    "login",
                    {
                        "Action": "QueueAdd",
                        "Queue": queue,
                        "Interface": self.interface.format(ext=ext),
                        "MemberName": ext,
                        "StateInterface": self.interface.format(ext=ext),
                        "Paused": "true" if paused else "false",
                    },
                )
            )
        return results

    async def agent_logoff(self, ext: str, queues: list[str]) -> list[ActionResult]:
        ext = _need(ext, _EXT, "分机号")
        return [
            await self._send(
                "logoff",
                {"Action": "QueueRemove", "Queue": q, "Interface": self.interface.format(ext=ext)},
            )
            for q in queues
        ]

    async def pause(self, ext: str, reason: str, queue: str | None = None) -> ActionResult:
        ext = _need(ext, _EXT, "分机号")
        if reason not in PAUSE_REASONS:
            raise TelephonyError("bad_request", f"示忙原因必须是：{'、'.join(PAUSE_REASONS)}")
        action = {
            "Action": "QueuePause",
            "Interface": self.interface.format(ext=ext),
            "Paused": "true",
            "Reason": reason,
            **({"Queue": queue} if queue else {}),
        }
        result = await self._send("pause", action)
        self.bridge.console_state(ext, "paused", reason)
        return result

    async def unpause(self, ext: str, queue: str | None = None) -> ActionResult:
        ext = _need(ext, _EXT, "分机号")
        action = {
            "Action": "QueuePause",
            "Interface": self.interface.format(ext=ext),
            "Paused": "false",
            **({"Queue": queue} if queue else {}),
        }
        result = await self._send("unpause", action)
        self.bridge.console_state(ext, "ready", None)
        return result

    async def click_to_dial(self, ext: str, number: str) -> ActionResult:
        """Ring the agent's phone first; when it answers, dial the resident."""
        ext, number = _need(ext, _EXT, "分机号"), _need(number, _PHONE, "电话号码")
        return await self._send(
            "dial",
            {
                "Action": "Originate",
                "Channel": self.interface.format(ext=ext),
                "Context": self.context,
                "Exten": number,
                "Priority": 1,
                "CallerID": f'"{self.hotline_number}" <{self.hotline_number}>',
                "Timeout": 30000,
                "Async": "true",
            },
        )

    async def transfer(self, channel: str, target: str, context: str | None = None) -> ActionResult:
        """Redirect a channel to an extension (context `agents`) or a queue by name (`queues`)."""
        if not channel or "\n" in channel:
            raise TelephonyError("bad_request", "缺少要转接的通话")
        if not re.match(r"^[\w-]{1,40}$", target or ""):
            raise TelephonyError("bad_request", "转接目标格式不正确")
        return await self._send(
            "transfer",
            {
                "Action": "Redirect",
                "Channel": channel,
                "Exten": target,
                "Context": context or (self.context if target.isdigit() else self.queue_context),
                "Priority": 1,
            },
        )

    async def hangup(self, channel: str) -> ActionResult:
        if not channel:
            raise TelephonyError("bad_request", "缺少要挂断的通话")
        return await self._send("hangup", {"Action": "Hangup", "Channel": channel, "Cause": 16})

    async def spy(self, supervisor_ext: str, agent_ext: str, mode: str = "listen") -> ActionResult:
        """Supervisor listens / whispers / barges: ring the supervisor, then ChanSpy the agent."""
        sup, agent = _need(supervisor_ext, _EXT, "班长分机号"), _need(agent_ext, _EXT, "坐席分机号")
        if mode not in SPY_OPTIONS:
            raise TelephonyError("bad_request", "监听方式必须是 listen / whisper / barge")
        return await self._send(
            mode,
            {
                "Action": "Originate",
                "Channel": self.interface.format(ext=sup),
                "Application": "ChanSpy",
                "Data": f"{self.interface.format(ext=agent)},{SPY_OPTIONS[mode]}",
                "CallerID": f"ChanSpy <{sup}>",
                "Timeout": 30000,
                "Async": "true",
            },
        )

    # -- for threads outside the bridge's loop (Flask handlers) -----------------------------
    def run(self, coro: Awaitable, timeout: float | None = None) -> Any:
        """Run one action from another thread on the bridge's loop and wait for its result."""
        loop = self.bridge.loop
        if loop is None or not loop.is_running():
            getattr(coro, "close", lambda: None)()
            raise TelephonyError("pbx_disconnected", "话务桥未启动")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        return future.result(timeout or self.timeout + 2)
