"""Call control across processes: web workers send console commands to `callcenter ami-bridge`
over Redis and wait for its answer.

Under gunicorn (or compose) the web has no bridge of its own; the bridge process owns the
AMI session. A command is one JSON object LPUSHed on COMMANDS; the bridge BRPOPs it, runs
it through the Telephony actions and LPUSHes `{"results": [...]}` or `{"error": {...}}` on
the command's own reply key. A command carries a deadline: one that waited past it (the
bridge was down) is dropped, never run late.

Several Asterisk nodes: each bridge also takes commands off its own list
(`COMMANDS:<node>`) and keeps the set of extensions its PBX has (`EXTENSIONS<node>`: the
queue members it sees, plus AMI_NODE_EXTENSIONS) fresh in Redis. A command for an agent
goes to the list of the node that holds the agent's extension; an extension no node claims
goes to the shared list, which any bridge takes. The web answers plainly when no bridge is
beating (integrations/heartbeat.py), when Redis is down, and when no answer comes in time.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from integrations.ami.actions import ActionResult, Telephony, TelephonyError
from integrations.call_control import _call_channel

log = logging.getLogger(__name__)
COMMANDS = "callcenter:callcontrol:commands"
REPLY = "callcenter:callcontrol:reply:"
EXTENSIONS = "callcenter:callcontrol:extensions:"
OPS = ("login", "logoff", "pause", "unpause", "dial", "spy", "hangup", "transfer")


class RemoteCallControl:
    """The console's call-control adapter (same methods as CallControl) for web workers."""

    demo = False

    def __init__(self, redis, timeout: float = 10.0) -> None:
        self.redis, self.timeout = redis, timeout

    @classmethod
    def from_url(cls, url: str, timeout: float = 10.0) -> "RemoteCallControl":
        from redis import Redis
        return cls(Redis.from_url(url, socket_timeout=timeout + 5, socket_connect_timeout=2),
                   timeout)

    def login(self, ext: str, queues: list[str]) -> list[ActionResult]:
        return self._send("login", ext=ext, queues=list(queues))

    def logoff(self, ext: str, queues: list[str]) -> list[ActionResult]:
        return self._send("logoff", ext=ext, queues=list(queues))

    def pause(self, ext: str, reason: str) -> ActionResult:
        return self._send("pause", ext=ext, reason=reason)[0]

    def unpause(self, ext: str) -> ActionResult:
        return self._send("unpause", ext=ext)[0]

    def dial(self, ext: str, number: str) -> ActionResult:
        return self._send("dial", ext=ext, number=number)[0]

    def spy(self, supervisor_ext: str, agent_ext: str, mode: str) -> ActionResult:
        return self._send("spy", supervisor=supervisor_ext, ext=agent_ext, mode=mode)[0]

    def hangup(self, ext: str, linkedid: str) -> ActionResult:
        return self._send("hangup", ext=ext, linkedid=linkedid)[0]

    def transfer(self, ext: str, linkedid: str, target: str) -> ActionResult:
        return self._send("transfer", ext=ext, linkedid=linkedid, target=target)[0]

    def answer(self, ext: str) -> bool:
        raise TelephonyError("bad_request", "请在话机上接听")

    def agent_states(self) -> dict[str, dict[str, Any]]:
        return {}  # the wallboard reads agents from the live snapshots, not from here

    def _send(self, op: str, **args: Any) -> list[ActionResult]:
        from redis.exceptions import RedisError

        from integrations.heartbeat import Heartbeats
        command_id = uuid.uuid4().hex
        command = {"id": command_id, "op": op, "args": args,
                   "deadline": time.time() + self.timeout}
        try:
            up = [node for node, b in Heartbeats(redis=self.redis).read("ami").items()
                  if b.get("ok")]
            if not up:
                raise TelephonyError("pbx_disconnected",
                                     "话务桥未运行或未连上交换机（没有在线的 ami-bridge），请联系管理员")
            queue = self._commands_for(str(args.get("ext") or ""), up)
            self.redis.lpush(queue, json.dumps(command, ensure_ascii=False))
            reply = self.redis.brpop([REPLY + command_id], timeout=max(1, round(self.timeout)))
        except RedisError:
            raise TelephonyError("pbx_disconnected", "无法连接 Redis，话务指令未发出") from None
        if reply is None:
            raise TelephonyError("bridge_timeout",
                                 f"话务桥 {self.timeout:g} 秒内没有应答，操作可能未执行，请稍后查看状态")
        return decode_reply(json.loads(reply[1]))

    def _commands_for(self, ext: str, nodes: list[str]) -> str:
        """The command list of the node whose PBX has `ext`, else the shared one."""
        if ext and len(nodes) > 1:
            with self.redis.pipeline(transaction=False) as pipe:
                for node in sorted(nodes):
                    pipe.sismember(EXTENSIONS + node, ext)
                for node, has in zip(sorted(nodes), pipe.execute()):
                    if has:
                        return f"{COMMANDS}:{node}"
        return COMMANDS


def decode_reply(reply: dict) -> list[ActionResult]:
    if "error" in reply:
        raise TelephonyError(reply["error"].get("code", "pbx_refused"),
                             reply["error"].get("message", ""))
    return [ActionResult(r["action"], r["message"]) for r in reply["results"]]


class CommandRunner:
    """Runs one command on the bridge's own loop: the same checks as the embedded CallControl."""

    def __init__(self, telephony: Telephony) -> None:
        self.tel = telephony

    async def run(self, op: str, a: dict[str, Any]) -> list[ActionResult]:
        tel = self.tel
        if op == "login":
            return await self._login(a["ext"], a.get("queues") or [])
        if op == "logoff":
            return await tel.agent_logoff(a["ext"], a.get("queues") or [])
        if op == "pause":
            return [await tel.pause(a["ext"], a.get("reason") or "")]
        if op == "unpause":
            return [await tel.unpause(a["ext"])]
        if op == "dial":
            return [await tel.click_to_dial(a["ext"], a.get("number") or "")]
        if op == "spy":
            return [await tel.spy(a.get("supervisor") or "", a["ext"], a.get("mode") or "listen")]
        if op == "hangup":
            return [await tel.hangup(self._channel(a["ext"], a.get("linkedid") or "", True))]
        if op == "transfer":
            return [await tel.transfer(self._channel(a["ext"], a.get("linkedid") or ""),
                                       a.get("target") or "")]
        raise TelephonyError("bad_request", f"未知的话务指令：{op}")

    async def _login(self, ext: str, queues: list[str]) -> list[ActionResult]:
        out: list[ActionResult] = []
        for queue in queues:  # a queue the phone is already in counts as done (a second click)
            try:
                out += await self.tel.agent_login(ext, [queue])
            except TelephonyError as exc:
                if "Already there" not in exc.message:
                    raise
                out.append(ActionResult("login", f"{queue}: already logged in"))
        return out

    def _channel(self, ext: str, linkedid: str, agent_leg: bool = False) -> str:
        found = _call_channel(self.tel.bridge, linkedid, ext, agent_leg)
        if found is None:
            raise TelephonyError("no_such_call", "这通电话已经结束")
        if found == "":
            raise TelephonyError("not_your_call", "只能操作本分机的通话")
        return found


COMMAND_POLL = 1.0  # s: the longest blocking pop, so also how long a stop may take


async def serve_commands(runner: CommandRunner, redis_url: str, poll: float = COMMAND_POLL,
                         node: str | None = None, stopping: asyncio.Event | None = None) -> None:
    """Take commands off Redis (this node's list first, then the shared one) and answer
    each, until `stopping` is set (checked between blocking pops, at most `poll` apart) or
    cancelled; rides out Redis restarts.

    Stop it with the event, not a cancel: redis-py can swallow a cancel that lands inside a
    blocking pop (redis/redis-py#2028; seen here about once in 50 stops), and the task then
    never ends."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError
    redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=poll + 5)
    lists = ([f"{COMMANDS}:{node}"] if node else []) + [COMMANDS]
    try:
        while not (stopping and stopping.is_set()):
            try:
                item = await redis.brpop(lists, timeout=poll)
                if item is not None:
                    await _answer(redis, runner, item[1])
            except (RedisError, OSError) as exc:
                if asyncio.current_task().cancelling():  # redis-py turns a cancel into an error
                    raise asyncio.CancelledError from exc
                log.warning("call-control commands: Redis unavailable (%s); retrying", type(exc).__name__)
                await asyncio.sleep(poll)
    finally:
        await redis.aclose()


async def _answer(redis, runner: CommandRunner, raw: bytes) -> None:
    try:
        command = json.loads(raw)
        reply_key, op, args = REPLY + str(command["id"]), command["op"], dict(command["args"])
    except (ValueError, KeyError, TypeError):
        log.warning("call-control commands: dropped a malformed command")
        return
    if time.time() > float(command.get("deadline") or 0):
        log.warning("call-control commands: dropped an expired %s command", op)
        return
    try:
        reply = {"results": [r.__dict__ for r in await runner.run(op, args)]}
    except TelephonyError as exc:
        reply = exc.to_json()
    except (KeyError, TypeError, ValueError):
        reply = TelephonyError("bad_request", f"话务指令 {op} 的参数不完整").to_json()
    await redis.lpush(reply_key, json.dumps(reply, ensure_ascii=False))
    await redis.expire(reply_key, 60)


async def announce_extensions(bridge, redis_url: str, node: str, fixed: set[str],
                              interval: float = 5.0) -> None:
    """Keep `EXTENSIONS<node>` = the extensions this node's PBX has (its queue members as
    the bridge sees them, plus `fixed`), expiring if the bridge stops."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError
    redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    key = EXTENSIONS + node
    try:
        while True:
            extensions = set(fixed) | set(bridge.agents.snapshot())
            try:
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.delete(key)
                    if extensions:
                        pipe.sadd(key, *sorted(extensions))
                        pipe.expire(key, max(3, round(3 * interval)))
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                if asyncio.current_task().cancelling():
                    raise asyncio.CancelledError from exc
                log.warning("extensions of node %s not announced: %s", node, type(exc).__name__)
            await asyncio.sleep(interval)
    finally:
        await redis.aclose()


def parse_extensions(spec: str | None) -> set[str]:
    """AMI_NODE_EXTENSIONS: `8001-8099,8200` → the extensions of this node's phones."""
    out: set[str] = set()
    for part in (spec or "").replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()) or (dash and int(high) < int(low)):
            raise ValueError(f"AMI_NODE_EXTENSIONS: expected 8001-8099 or 8200, got {part!r}")
        if not dash:
            out.add(low)
        elif int(high) - int(low) > 100_000:
            raise ValueError(f"AMI_NODE_EXTENSIONS: range {part!r} is too large")
        else:
            out |= {str(n).zfill(len(low)) for n in range(int(low), int(high) + 1)}
    return out
