"""FastAGI server fixtures: a real server on a loopback port with the demo directory."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ivr.demo import demo_directory  # noqa: E402
from ivr.fastagi import IvrService  # noqa: E402
from ivr_asterisk_peer import ServerThread  # noqa: E402

# A Friday morning: the hotline is staffed (the hours node's open branch).
OPEN_HOURS = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def directory():
    return demo_directory()


@pytest.fixture
def outcomes():
    return {}


@pytest.fixture
def ivr_service(directory, outcomes):
    return IvrService(directory=directory, clock=lambda: OPEN_HOURS,
                      on_outcome=lambda route, o: outcomes.__setitem__(o.linkedid, o))


@pytest.fixture
def agi_server(ivr_service):
    with ServerThread(ivr_service) as server:
        yield server
