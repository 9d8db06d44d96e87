"""SMS through Twilio's Messages API, with the real `twilio` client.

`settings.twilio_api_base` (TWILIO_API_BASE) replaces https://api.twilio.com, so tests
and private gateways that speak the same API can stand in for Twilio.
"""
from __future__ import annotations

import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from callcenter.domain.delivery import SendError
from callcenter.services.deliveries import Outgoing

log = logging.getLogger(__name__)
# Twilio error codes that will not pass by themselves (bad or unreachable number, auth, etc.)
RETRYABLE_STATUS = frozenset({429})


class TwilioSms:
    def __init__(self, account_sid: str | None, auth_token: str | None, from_number: str | None,
                 api_base: str | None = None, timeout: float = 10.0):
        self.from_number = from_number
        self.client = None
        if account_sid and auth_token:
            self.client = Client(account_sid, auth_token,
                                 http_client=TwilioHttpClient(timeout=timeout))
            if api_base:
                self.client.api.base_url = api_base.rstrip("/")

    @classmethod
    def from_settings(cls, settings) -> "TwilioSms":
        return cls(settings.twilio_account_sid, settings.twilio_auth_token,
                   settings.twilio_from_number, settings.twilio_api_base)

    def send(self, message: Outgoing) -> str:
        if self.client is None or not self.from_number:
            raise SendError("SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, "
                            "TWILIO_FROM_NUMBER)", permanent=True)
        to = message.recipient.get("to")
        if not to:
            raise SendError("no phone number to send the SMS to", permanent=True)
        log.info("sms delivery %s attempt %s", message.delivery_id, message.attempt)
        try:
            sent = self.client.messages.create(to=to, from_=self.from_number, body=message.body)
        except TwilioRestException as exc:
            permanent = exc.status < 500 and exc.status not in RETRYABLE_STATUS
            raise SendError(f"Twilio answered HTTP {exc.status} (code {exc.code}): {exc.msg}",
                            permanent=permanent) from None
        except (requests.RequestException, TwilioException) as exc:
            raise SendError(f"cannot reach the SMS API: {type(exc).__name__}") from None
        return sent.sid
