"""The AGI reply parser's fast path must agree with panoramisk's on every line it takes."""
import pytest
from panoramisk.utils import parse_agi_result

from ivr.agi_channel import AgiCommandError, parse_result

LINES = ["200 result=0 endpos=8000", "200 result=1", "200 result=-1", "200 result=",
         "200 result=123", "200 result=  5", "200 result=1 (timeout)", "200 result= (timeout)",
         "200 result=0 (hangup)", "200 result=5 (dtmf) endpos=1", "200 result=-1 endpos=0",
         "200 result=\t7", "200", "100 result=0 Trying...", "510 Invalid or unknown command",
         "520-Invalid command syntax.  Proper usage follows:", "511 Command Not Permitted"]


@pytest.mark.parametrize("line", LINES)
def test_fast_path_matches_panoramisk(line):
    expected = parse_agi_result(line)
    got = parse_result(line)
    assert got.get("error") == expected.get("error")
    assert got.get("status_code") == expected.get("status_code")
    assert got.get("result") == expected.get("result")


def test_garbage_is_a_command_error_not_a_crash():
    with pytest.raises(AgiCommandError):
        parse_result("garbage")
