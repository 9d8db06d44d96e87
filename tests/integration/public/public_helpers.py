"""Helpers shared by the public-channel tests (a uniquely named module: every test folder
has a conftest, so `from conftest import …` would pick whichever was imported first)."""
from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"
RESIDENT_PHONE = "+8613800138000"


def last_code(twilio) -> str:
    """The code in the newest text the fake Twilio received."""
    return re.search(r"(\d{6})", twilio.messages[-1]["body"]).group(1)


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
