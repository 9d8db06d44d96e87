"""What both AGI transports say the same way: date formats, argument quoting, the
rejected-command error. Kept apart from ivr/agi_channel.py so the classic AGI script
(ivr/agi_script.py) imports neither asyncio nor panoramisk: it starts once per call."""
from __future__ import annotations

# SAY DATETIME formats (Asterisk say.conf letters); the channel language picks the voice.
DATE_FORMATS = {"zh": "YBdA HM", "en": "ABdY 'digits/at' IMp"}


class AgiCommandError(Exception):
    """Raised when Asterisk rejects a command (510/520): a bug on our side, not a hang-up."""

    code = "agi_command_rejected"


def quote(value: str) -> str:
    r"""Quote one AGI argument.

    >>> quote('hotline'), quote('a "b" \\ c')
    ('"hotline"', '"a \\"b\\" \\\\ c"')
    """
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
