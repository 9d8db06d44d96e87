"""Classic AGI over stdin/stdout (pyst2), for PBXes where FastAGI is not allowed.

Asterisk runs it as `AGI(callcenter-agi,hotline)` or
`AGI(callcenter-agi,survey,${CC_TICKET},${CHANNEL(linkedid)})`. Each call starts a Python
process (~40 ms here) where FastAGI costs ~0.5 ms: prefer FastAGI (docs/ivr.md).
"""
from __future__ import annotations

import io
import logging
import os
import sys
from datetime import datetime

from asterisk.agi import AGI, AGIAppError, AGIHangup, AGIResultHangup, AGIUnknownError

from callcenter.config import Settings
from ivr.agi_commands import DATE_FORMATS, AgiCommandError
from ivr.channel import CallerHungUp, run_call
from ivr.engine import Engine
from ivr.loader import load_builtin
from ivr.steps import CallInfo, Prompt
from ivr.wiring import make_clock, make_guarded_directory

log = logging.getLogger("ivr.agi_script")


class _Agi(AGI):
    """pyst2's AGI, reading EOF and the HANGUP notice as a hang-up (it raises ValueError)."""

    def get_result(self, stdin=None):
        try:
            return super().get_result()
        except ValueError:
            raise AGIResultHangup("HANGUP notice or Asterisk closed the pipe") from None


class PystChannel:
    """CallChannel over pyst2's blocking AGI: fine in a process that serves one call."""

    def __init__(self, agi: AGI, sounds: str, lang: str = "zh"):
        self.agi, self.sounds, self.lang = agi, sounds, lang

    def _do(self, fn, *args):
        try:
            return fn(*args)
        except (AGIHangup, AGIAppError, BrokenPipeError) as exc:
            raise CallerHungUp(type(exc).__name__) from None
        except AGIUnknownError as exc:
            if exc.args and exc.args[0] == 511:
                raise CallerHungUp("dead channel") from None
            raise AgiCommandError(str(exc.args)) from None

    def _file(self, prompt: Prompt) -> str:
        return f"{self.sounds}/{prompt.name}"

    async def answer(self) -> None:
        self._do(self.agi.answer)

    async def play(self, prompt: Prompt) -> None:
        self._do(self.agi.stream_file, self._file(prompt))

    async def read_digits(self, prompt: Prompt, timeout: float, max_digits: int) -> str:
        return self._do(self.agi.get_data, self._file(prompt), int(timeout * 1000), max_digits)

    async def say_digits(self, digits: str) -> None:
        self._do(self.agi.say_digits, digits)

    async def say_number(self, number: int) -> None:
        self._do(self.agi.say_number, int(number))

    async def say_date(self, when: datetime) -> None:
        fmt = DATE_FORMATS.get(self.lang, DATE_FORMATS["zh"])
        self._do(self.agi.say_datetime, int(when.timestamp()), "", fmt, "Asia/Shanghai")

    async def set_variable(self, name: str, value: str) -> None:
        if name == "CHANNEL(language)":
            self.lang = value
        self._do(self.agi.set_variable, name, value)

    async def hangup(self) -> None:
        self._do(self.agi.hangup)


def run_to_end(coroutine):
    """Run a coroutine that never suspends, without an event loop: PystChannel's commands
    block and GuardedDirectory answers in place, and importing asyncio was ~50 ms of every
    call's start-up (Asterisk starts this script per call)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the call awaited something asynchronous")


def main(argv: list[str] | None = None) -> int:
    """Run one call: argv is [menu, ticket, linkedid] as the dialplan passes them."""
    args = sys.argv[1:] if argv is None else argv
    menu_name = args[0] if args else "hotline"
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="callcenter-agi %(levelname)s %(name)s: %(message)s")
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    with open(os.devnull, "w") as quiet:  # pyst2 echoes the environment (caller id) to stderr
        agi = _Agi(stdin=stdin, stdout=stdout, stderr=quiet)
        env = agi.env
        info = CallInfo(caller=env.get("agi_callerid"),
                        linkedid=(args[2] if len(args) > 2 else "") or env.get("agi_uniqueid", ""),
                        channel_language=env.get("agi_language") or None,
                        ticket=(args[1] if len(args) > 1 else "") or None)
        directory = make_guarded_directory(Settings.from_env())
        try:
            engine = Engine(load_builtin(menu_name), directory, clock=make_clock())
            channel = PystChannel(agi, f"callcenter/{menu_name}", info.channel_language or "zh")
            outcome = run_to_end(run_call(engine, channel, info))
        finally:
            directory.close()
    log.info("call %s on %s ended: %s at %r", outcome.linkedid, menu_name, outcome.ended,
             outcome.node)
    return 0


if __name__ == "__main__":
    sys.exit(main())
