"""Text a verification code now, through the same Twilio adapter the dispatch channel
uses (integrations/sms.py; TWILIO_API_BASE points it at another base URL in tests)."""
from __future__ import annotations

import logging

from callcenter.domain.delivery import SendError
from callcenter.services.deliveries import Outgoing
from callcenter.services.verification import SmsError
from integrations.sms import TwilioSms

log = logging.getLogger(__name__)


class TwilioCodeSms:
    """SmsSender over TwilioSms: a code is one message, sent once, never retried later
    (a late code is useless: the resident asks for a new one)."""

    def __init__(self, sms: TwilioSms) -> None:
        self.sms = sms

    @classmethod
    def from_settings(cls, settings) -> "TwilioCodeSms | None":
        if not (settings.twilio_account_sid and settings.twilio_auth_token
                and settings.twilio_from_number):
            return None
        return cls(TwilioSms.from_settings(settings))

    def send_sms(self, to: str, body: str) -> str:
        message = Outgoing(delivery_id=0, channel="sms", recipient={"to": to}, subject="",
                           body=body, idempotency_key="verification-code", dispatch_id=None,
                           attempt=1)
        try:
            return self.sms.send(message)
        except SendError as exc:
            log.warning("verification SMS not sent: %s", exc.message)
            raise SmsError("短信发送失败，请稍后再试或拨打热线") from None
