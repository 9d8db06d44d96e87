"""FastAGI server fixtures: a real server on a loopback port with the demo directory."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ivr.demo import demo_directory  # noqa: E402
from ivr.fastagi import IvrService  # noqa: E402
from ivr_asterisk_peer import OPEN_HOURS, ServerThread  # noqa: E402


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
