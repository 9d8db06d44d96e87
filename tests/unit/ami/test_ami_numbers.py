"""AMI numbers are ASCII-ish decimals: a superscript digit (found by the fuzz test) is not a
number, not a crash."""
from integrations.ami.bridge import _int


def test_a_superscript_digit_is_not_a_number():
    assert _int("²") is None
    assert _int("12") == 12
