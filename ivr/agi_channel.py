"""CallChannel over a FastAGI connection (panoramisk's Request, with EOF read as hang-up)."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Awaitable

from panoramisk.fast_agi import Request
from panoramisk.utils import parse_agi_result

from ivr.agi_commands import DATE_FORMATS, AgiCommandError, quote
from ivr.channel import CallerHungUp
from ivr.steps import Prompt

log = logging.getLogger(__name__)
ESCAPE_ALL = "0123456789*#"
HANGUP_ERRORS = {"AGIResultHangup", "AGIAppError"}


class AgiRequest(Request):
    """panoramisk's Request, but EOF, garbage and silence end the call instead of raising ValueError."""

    def __init__(self, *args, read_timeout: float = 300.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout
        self._loop = asyncio.get_running_loop()
        self._waiting_since: float | None = None
        self._watchdog = self._loop.call_later(read_timeout, self._check_silence)

    def _check_silence(self) -> None:
        """Abort a connection silent for read_timeout while we wait (one timer, not one per read)."""
        since = self._waiting_since
        now = self._loop.time()
        if since is not None and now - since >= self.read_timeout:
            log.warning("FastAGI call %s: no reply for %.0fs, dropping the connection",
                        self.headers.get("agi_uniqueid"), self.read_timeout)
            self.writer.transport.abort()
            return
        delay = self.read_timeout - (now - since) if since is not None else self.read_timeout
        self._watchdog = self._loop.call_later(delay, self._check_silence)

    def close(self) -> None:
        self._watchdog.cancel()

    async def _read_line(self) -> str:
        self._waiting_since = self._loop.time()
        try:
            line = await self.reader.readline()
        except (ValueError, ConnectionError) as exc:
            raise CallerHungUp(f"no answer from Asterisk: {type(exc).__name__}") from None
        finally:
            self._waiting_since = None
        return self._reply_text(line)

    def _reply_text(self, line: bytes) -> str:
        """A reply line as text; EOF mid-line and the HANGUP notice end the call."""
        if not line.endswith(b"\n"):
            raise CallerHungUp("connection closed")
        text = line.decode(self.encoding, "replace").rstrip("\r\n")
        if text == "HANGUP":
            raise CallerHungUp("HANGUP notice")
        return text

    async def _read_result(self) -> dict:
        return parse_result(await self._read_line())

    async def send_command(self, command: str) -> dict:
        """Send one command and return its parsed result, skipping 100 Trying and usage text."""
        self._write(command)
        return await self._complete(parse_result(await self._read_line()))

    async def result_of(self, command: str) -> str:
        """Send one command and return its `result=` value: the engine's per-command path.

        Runs ~35 times a call, so the common `200 result=N` reply is taken in line; any
        other reply goes through send_command's handling.
        """
        # _write and _read_line in line: every reply resumes each coroutine frame above
        # the read, so this path adds none.
        try:
            self.writer.write(command.encode(self.encoding) + b"\n")
        except (ConnectionError, OSError) as exc:
            raise CallerHungUp(f"connection lost: {type(exc).__name__}") from None
        self._waiting_since = self._loop.time()
        try:
            line = await self.reader.readline()
        except (ValueError, ConnectionError) as exc:
            raise CallerHungUp(f"no answer from Asterisk: {type(exc).__name__}") from None
        finally:
            self._waiting_since = None
        if (line.startswith(b"200 result=") and line.endswith(b"\n") and b"(" not in line
                and b"\t" not in line):
            value = line[11:].rstrip(b"\r\n").split(b" ", 1)[0]
            if value != b"-1":
                return value.decode(self.encoding, "replace")
        text = self._reply_text(line)
        result = await self._complete(parse_result(text))
        if result.get("error") in HANGUP_ERRORS or result.get("status_code") == 511:
            raise CallerHungUp(result.get("msg") or "dead channel")
        if result.get("error"):
            raise AgiCommandError(f"{command.split(' ', 2)[:2]} → {result.get('msg', '')[:80]}")
        return result.get("result", ("", ""))[0]

    def _write(self, command: str) -> None:
        """Queue a command without drain(): one short command is outstanding at a time, so
        waiting for its reply is the flow control, and the silence watchdog ends a peer that
        stops reading (and so stops answering)."""
        try:
            self.writer.write(command.encode(self.encoding) + b"\n")
        except (ConnectionError, OSError) as exc:
            raise CallerHungUp(f"connection lost: {type(exc).__name__}") from None

    async def _complete(self, result: dict) -> dict:
        while result.get("status_code") == 100:
            result = await self._read_result()
        if result.get("status_code") == 520 and result.get("msg", "").startswith("520-"):
            # Multi-line usage text ends with a "520 End of proper usage." line.
            line = result["msg"]
            while not line.startswith("520 "):
                line = await self._read_line()
        return result


def parse_result(text: str) -> dict:
    """Parse a reply line as panoramisk does; the common `200 result=N` without regexes.

    >>> parse_result("200 result=0 endpos=8000")["result"], parse_result("200 result=-1")["error"]
    (('0', ''), 'AGIAppError')
    """
    if text.startswith("200 result=") and "(" not in text and "\t" not in text:
        value = text[11:].split(" ", 1)[0]
        if value != "-1":
            return {"status_code": 200, "result": (value, ""), "msg": ""}
    try:
        return parse_agi_result(text)
    except ValueError:
        raise AgiCommandError(f"unparseable AGI response {text[:40]!r}") from None


class AgiChannel:
    """Speak AGI commands for the engine's actions; prompts live under callcenter/<menu>/.

    The methods are plain functions returning the request's coroutine (awaited by the
    caller at once): ~35 commands a call, each resumed through every coroutine layer on
    its way, so the channel adds no layer of its own.
    """

    def __init__(self, request: AgiRequest, sounds: str, lang: str = "zh"):
        self.request, self.sounds, self.lang = request, sounds, lang
        self.commands = 0

    def command(self, text: str) -> Awaitable[str]:
        """Send one command; return its result value, raise on hang-up or a rejected command."""
        self.commands += 1
        return self.request.result_of(text)

    def answer(self) -> Awaitable[str]:
        return self.command("ANSWER")

    def play(self, prompt: Prompt) -> Awaitable[str]:
        return self.command(f'STREAM FILE {self.sounds}/{prompt.name} ""')

    def read_digits(self, prompt: Prompt, timeout: float, max_digits: int) -> Awaitable[str]:
        return self.command(
            f"GET DATA {self.sounds}/{prompt.name} {int(timeout * 1000)} {max_digits}")

    def say_digits(self, digits: str) -> Awaitable[str]:
        return self.command(f'SAY DIGITS {digits} ""')

    def say_number(self, number: int) -> Awaitable[str]:
        return self.command(f'SAY NUMBER {int(number)} ""')

    def say_date(self, when: datetime) -> Awaitable[str]:
        fmt = DATE_FORMATS.get(self.lang, DATE_FORMATS["zh"])
        return self.command(f'SAY DATETIME {int(when.timestamp())} "" {quote(fmt)} Asia/Shanghai')

    def set_variable(self, name: str, value: str) -> Awaitable[str]:
        if name == "CHANNEL(language)":
            self.lang = value
        return self.command(f"SET VARIABLE {name} {quote(value)}")

    def hangup(self) -> Awaitable[str]:
        return self.command("HANGUP")
