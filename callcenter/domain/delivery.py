"""Delivery rules, pure: states, who may claim a delivery, retry back-off, idempotency keys.

A delivery is one message through one channel. Its state is apart from the ticket's:

    pending ──claim──▶ sending ──ok──▶ sent
       ▲                  │
       └──transient error─┤ (attempts left)
                          └──permanent error / attempts used up──▶ failed

`cancelled` ends a delivery whose dispatch was recalled before it went out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class DeliveryState(str, Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({DeliveryState.SENT.value, DeliveryState.FAILED.value,
                      DeliveryState.CANCELLED.value})
CHANNELS = ("portal", "sms", "webhook", "email", "fax")


class SendError(Exception):
    """A channel could not deliver; `permanent` errors are not retried (bad number, 4xx)."""

    code = "send_failed"

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class DeliveryBusy(Exception):
    """Another worker holds a live lease on this delivery: try again once it ends."""

    def __init__(self, message: str, until: datetime | None = None):
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off between attempts; the same numbers drive RQ's Retry and the in-process runner."""

    intervals: tuple[int, ...] = (5, 30, 120, 600)
    lease_seconds: int = 60

    @property
    def max_attempts(self) -> int:
        return len(self.intervals) + 1

    def delay_after(self, attempt: int) -> int:
        """Seconds to wait after the given (1-based) failed attempt."""
        return self.intervals[min(attempt, len(self.intervals)) - 1] if self.intervals else 0


def claim_decision(state: str, lease_until: datetime | None, now: datetime) -> str:
    """'claim' to send now, 'skip' when nothing is left to do, 'busy' while another holds it."""
    if state in TERMINAL:
        return "skip"
    if state == DeliveryState.SENDING.value and lease_until is not None and lease_until > now:
        return "busy"
    return "claim"


def after_failure(attempts: int, max_attempts: int, permanent: bool) -> str:
    """State after a failed attempt: retry while attempts are left and the error may pass."""
    if permanent or attempts >= max_attempts:
        return DeliveryState.FAILED.value
    return DeliveryState.PENDING.value


def lease_end(now: datetime, policy: RetryPolicy) -> datetime:
    return now + timedelta(seconds=policy.lease_seconds)


def idempotency_key(ticket_id: int, target: str, channel: str, dispatch_id: int | None,
                    recipient_index: int = 0, purpose: str = "dispatch") -> str:
    """ticket × target × channel × dispatch (× recipient): equal keys mean the same message.

    >>> idempotency_key(7, "provider:2", "sms", 11)
    'dispatch:t7:provider:2:sms:d11'
    >>> idempotency_key(7, "provider:2", "sms", 11, 1)
    'dispatch:t7:provider:2:sms:d11:r1'
    """
    key = f"{purpose}:t{ticket_id}:{target}:{channel}:d{dispatch_id or 0}"
    return key + (f":r{recipient_index}" if recipient_index else "")
