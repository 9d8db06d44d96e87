"""AgiRequest.result_of reads its common replies without panoramisk's parser: over a real
socket, its answer for every reply line must be what the parser's result says."""
import asyncio

import pytest

from ivr.agi_channel import HANGUP_ERRORS, AgiCommandError, AgiRequest, parse_result
from ivr.channel import CallerHungUp

# tests/unit/ivr/test_ivr_agi_parse.py's lines, and a CRLF end.
LINES = ["200 result=0 endpos=8000", "200 result=1", "200 result=-1", "200 result=",
         "200 result=123", "200 result=  5", "200 result=1 (timeout)", "200 result= (timeout)",
         "200 result=0 (hangup)", "200 result=5 (dtmf) endpos=1", "200 result=-1 endpos=0",
         "200 result=\t7", "200", "100 result=0 Trying...", "510 Invalid or unknown command",
         "520-Invalid command syntax.  Proper usage follows:", "511 Command Not Permitted",
         "200 result=0\r", "200 result=42 endpos=1", "HANGUP"]

# Replies that announce more lines: what Asterisk sends after them.
FOLLOW = {"100": "200 result=9", "520-": "520 End of proper usage."}


def expected(line: str):
    """What the command's caller must see, from panoramisk-compatible parsing."""
    result = parse_result(line.rstrip("\r\n"))
    if result.get("status_code") == 100:
        result = parse_result(FOLLOW["100"])
    if result.get("error") in HANGUP_ERRORS or result.get("status_code") == 511:
        return CallerHungUp
    if result.get("error"):
        return AgiCommandError
    return result["result"][0]


async def ask(line: str):
    done = asyncio.get_running_loop().create_future()

    async def asterisk(reader, writer):
        await reader.readline()
        follow = next((f for p, f in FOLLOW.items() if line.startswith(p)), None)
        writer.write((line + "\n" + (follow + "\n" if follow else "")).encode())
        await writer.drain()
        await reader.read()  # until the server side closes
        writer.close()
        await writer.wait_closed()
        done.set_result(None)

    server = await asyncio.start_server(asterisk, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = AgiRequest(app=None, headers={}, reader=reader, writer=writer)
    try:
        return await request.result_of("STREAM FILE x \"\"")
    except (CallerHungUp, AgiCommandError) as exc:
        return type(exc)
    finally:
        request.close()
        writer.close()
        await writer.wait_closed()
        await done
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("line", LINES)
def test_result_of_matches_the_parser(line):
    assert asyncio.run(ask(line)) == expected(line)
