"""Outbound webhooks: a JSON POST signed with the target's secret.

Headers: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` and `X-Dispatch-Id`
(the receiver de-duplicates on it: a retry after a lost answer sends the same id and
the very same bytes). Verifying on the receiving side:

>>> body = b'{"dispatch_id":1}'
>>> header = sign(body, "s3cret")
>>> verify(body, "s3cret", header), verify(body, "wrong", header)
(True, False)
"""
from __future__ import annotations

import hashlib
import hmac
import logging

import requests

from callcenter.domain.delivery import SendError
from callcenter.services.deliveries import Outgoing

log = logging.getLogger(__name__)
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
USER_AGENT = "callcenter-dispatch/1"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(body, secret), header)


class WebhookSender:
    """POST the stored body; 2xx is delivered, 4xx is final, anything else is retried."""

    def __init__(self, timeout: float = 10.0, connect_timeout: float = 3.0,
                 session: requests.Session | None = None):
        self.timeout = (connect_timeout, timeout)
        self.http = session or requests.Session()

    def send(self, message: Outgoing) -> str:
        url = message.recipient.get("url")
        if not url or not url.startswith(("http://", "https://")):
            raise SendError(f"webhook URL {url!r} is not http(s)", permanent=True)
        if not message.secret:
            raise SendError("the target's webhook has no secret configured", permanent=True)
        body = message.body.encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   "X-Signature": sign(body, message.secret),
                   "X-Dispatch-Id": str(message.dispatch_id or ""),
                   "X-Idempotency-Key": message.idempotency_key,
                   "X-Delivery-Attempt": str(message.attempt)}
        log.info("webhook delivery %s attempt %s → %s", message.delivery_id, message.attempt, url)
        try:
            resp = self.http.post(url, data=body, headers=headers, timeout=self.timeout,
                                  allow_redirects=False)
        except requests.Timeout:
            raise SendError(f"no answer from {url} within {self.timeout[1]:g}s") from None
        except requests.RequestException as exc:
            raise SendError(f"cannot reach {url}: {type(exc).__name__}") from None
        if 200 <= resp.status_code < 300:
            return f"HTTP {resp.status_code}"
        detail = f"{url} answered HTTP {resp.status_code}: {resp.text[:200]}"
        permanent = 300 <= resp.status_code < 500 and resp.status_code not in RETRYABLE_STATUS
        raise SendError(detail, permanent=permanent)
