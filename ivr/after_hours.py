"""What a transport without a dialplan (Twilio) needs for after hours: a port to the desk.

On Asterisk the dialplan records the message and the AMI bridge files it; on Twilio the
TwiML adapter hears about the message itself and hands it here. Both end in
callcenter.services.after_hours, so a message is the same ticket whichever way it came.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RecordedMessage:
    """A message the caller left after hours, kept by the telephony provider at `url`."""

    linkedid: str  # the provider's call id (Twilio CallSid)
    caller: str
    resident_id: str = ""
    url: str = ""
    duration: int | None = None
    missing: str = ""  # why there is no url


class AfterHoursDesk(Protocol):
    """Files after-hours requests; each call is idempotent per linkedid and may raise on outage."""

    def leave_message(self, message: RecordedMessage) -> str | None:
        """File the message's ticket; its number, or None if this call's was filed before."""

    def request_callback(self, linkedid: str, caller: str, resident_id: str = "") -> None:
        """Put the call on the agents' missed-call list as a call-back request."""
