"""hand_over_quickly: a process that pushes events lowers the interpreter's thread switch
interval, so a woken socket writer waits at most that long for the GIL (decision 0005)."""
from __future__ import annotations

import sys

import pytest

from callcenter.config import ConfigError

from integrations.push import SWITCH_INTERVAL, hand_over_quickly


@pytest.fixture(autouse=True)
def restore():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's default, whatever an earlier test set
    yield
    sys.setswitchinterval(before)


def test_default_lowers_the_interval():
    assert hand_over_quickly({}) == pytest.approx(SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)


def test_the_environment_chooses_and_zero_keeps_pythons():
    assert hand_over_quickly({"PUSH_SWITCH_INTERVAL": "0.0005"}) == pytest.approx(0.0005)
    sys.setswitchinterval(0.005)
    assert hand_over_quickly({"PUSH_SWITCH_INTERVAL": "0"}) == pytest.approx(0.005)


def test_never_raised():
    sys.setswitchinterval(0.00005)
    assert hand_over_quickly({"PUSH_SWITCH_INTERVAL": "0.001"}) == pytest.approx(0.00005)


@pytest.mark.parametrize("text", ["fast", "-0.001", "2", "nan", "1e-3s"])
def test_bad_values_are_refused_plainly_and_change_nothing(text):
    with pytest.raises(ConfigError, match="PUSH_SWITCH_INTERVAL"):
        hand_over_quickly({"PUSH_SWITCH_INTERVAL": text})
    assert sys.getswitchinterval() == pytest.approx(0.005)


@pytest.mark.parametrize("command", [["serve", "--demo", "--port", "0"], ["ami-bridge"]])
def test_the_commands_refuse_a_bad_interval_with_a_plain_message_before_starting(command):
    from click.testing import CliRunner

    from callcenter.cli import main
    result = CliRunner().invoke(main, command, env={"PUSH_SWITCH_INTERVAL": "abc",
                                                    "AMI_URL": "ami://u:p@127.0.0.1:1"})
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert "PUSH_SWITCH_INTERVAL must be seconds" in result.output
