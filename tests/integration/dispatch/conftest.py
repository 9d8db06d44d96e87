"""Fixtures for dispatch: partner endpoints on real sockets and messaging settings."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from callcenter.domain.delivery import RetryPolicy  # noqa: E402
from callcenter.services.notifications import Messaging  # noqa: E402
from dispatch_fakes import FakeTwilio, WebhookTarget  # noqa: E402


@pytest.fixture
def webhook_target():
    server = WebhookTarget().start()
    yield server
    server.stop()


@pytest.fixture
def twilio_api():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Keep(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    handler = Keep()
    from servers import free_port
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def messaging() -> Messaging:
    return Messaging(base_url="http://hotline.test", secret_key="test-secret", hotline="12345",
                     policy=RetryPolicy(intervals=(1, 1), lease_seconds=2))


@pytest.fixture(autouse=True)
def _quiet_dispatcher(container):
    """Stop the app's background delivery threads before the container fixture empties
    the tables (on PostgreSQL a TRUNCATE racing a delivery deadlocks)."""
    yield
    container.extras["dispatcher"].close()
