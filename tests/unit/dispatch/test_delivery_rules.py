"""Delivery rules without I/O: claiming, failures, back-off, keys, signatures, templates."""
from __future__ import annotations

import doctest
import hashlib
import hmac
import time
from datetime import datetime, timedelta, timezone

import pytest

from callcenter.domain import delivery
from callcenter.domain.delivery import RetryPolicy, after_failure, claim_decision, idempotency_key
from callcenter.domain.tickets import ValidationError
from callcenter.services.notifications import DEFAULTS, FIELDS, check_template
from callcenter.services.outbox import OutboxItem
from callcenter.services.revisit import rate_token, verify_token
from integrations import webhook
from integrations.queue import ThreadJobQueue

NOW = datetime(2026, 2, 13, 2, tzinfo=timezone.utc)


def test_module_examples_hold():
    assert doctest.testmod(delivery).failed == 0
    assert doctest.testmod(webhook).failed == 0


@pytest.mark.parametrize("state", ["sent", "failed", "cancelled"])
def test_a_finished_delivery_is_never_claimed_again(state):
    assert claim_decision(state, None, NOW) == "skip"


def test_a_delivery_being_sent_under_a_live_lease_is_busy_and_free_once_it_lapses():
    assert claim_decision("sending", NOW + timedelta(seconds=1), NOW) == "busy"
    assert claim_decision("sending", NOW - timedelta(seconds=1), NOW) == "claim"
    assert claim_decision("pending", None, NOW) == "claim"


def test_transient_failures_retry_until_attempts_run_out_and_permanent_ones_stop_at_once():
    assert after_failure(1, 3, permanent=False) == "pending"
    assert after_failure(3, 3, permanent=False) == "failed"
    assert after_failure(1, 3, permanent=True) == "failed"


def test_back_off_follows_the_intervals_and_stays_at_the_last():
    policy = RetryPolicy(intervals=(5, 30, 120))
    assert policy.max_attempts == 4
    assert [policy.delay_after(n) for n in (1, 2, 3, 4)] == [5, 30, 120, 120]


def test_idempotency_keys_differ_by_ticket_target_channel_dispatch_and_recipient():
    base = idempotency_key(1, "provider:2", "sms", 3)
    others = {idempotency_key(9, "provider:2", "sms", 3), idempotency_key(1, "provider:5", "sms", 3),
              idempotency_key(1, "provider:2", "email", 3), idempotency_key(1, "provider:2", "sms", 4),
              idempotency_key(1, "provider:2", "sms", 3, 1)}
    assert base not in others and len(others) == 5
    assert base == idempotency_key(1, "provider:2", "sms", 3)


def test_the_signature_is_hmac_sha256_of_the_raw_body_in_hex():
    body = '{"ticket_number":"20260213-000001"}'.encode()
    expected = hmac.new(b"k" * 16, body, hashlib.sha256).hexdigest()
    assert webhook.sign(body, "k" * 16) == f"sha256={expected}"
    assert not webhook.verify(body + b" ", "k" * 16, webhook.sign(body, "k" * 16))
    assert not webhook.verify(body, "k" * 16, None)


def test_every_built_in_template_uses_only_known_placeholders():
    for texts in DEFAULTS.values():
        for body in texts.values():
            check_template(body)
    assert {"ticket_number", "link", "rate_link"} <= FIELDS


@pytest.mark.parametrize("body", ["", "x{name}", "{ticket_number!r}", "{deadline:>10}", "{", "a}b"])
def test_templates_with_unknown_placeholders_or_broken_braces_are_refused(body):
    with pytest.raises(ValidationError):
        check_template(body)


def test_a_rating_link_names_its_ticket_and_cannot_be_forged():
    token = rate_token("secret", "20260213-000001")
    assert verify_token("secret", token) == "20260213-000001"
    assert verify_token("other", token) is None
    assert verify_token("secret", token.replace("000001", "000002")) is None
    assert verify_token("secret", "garbage") is None


def test_the_in_process_runner_retries_on_the_same_schedule_then_gives_up():
    calls: list[float] = []

    def run(_delivery_id):
        calls.append(time.monotonic())
        raise RuntimeError("target down")

    runner = ThreadJobQueue(run, RetryPolicy(intervals=(0.05, 0.1)), workers=1)
    item = OutboxItem(1, 7, "dispatch")
    runner.enqueue(item)
    runner.enqueue(item)                      # the same job twice runs once
    deadline = time.monotonic() + 3
    while not runner.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.close()
    assert len(calls) == 3 and runner.idle()
    assert calls[1] - calls[0] >= 0.05 and calls[2] - calls[1] >= 0.1
