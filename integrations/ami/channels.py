"""Channel-name helpers: who a channel belongs to, read from its name alone.

>>> extension_of("PJSIP/8001-0000000a"), extension_of("Local/8002@agents-00000003;1")
('8001', '8002')
>>> extension_of("SIP/voipgrid-siproute-docker-00000019") is None
True
>>> local_partner("Local/12345@hotline-00000000;1")
'Local/12345@hotline-00000000;2'
"""

from __future__ import annotations

import re

_DEVICE = re.compile(r"^(?:[A-Za-z0-9_]+)/(?P<res>[^@;/]+?)(?:@[^;]*)?(?:-[0-9a-f]{8})?(?:;[12])?$")
_DIGITS = re.compile(r"^\+?\d{2,15}$")
_INTERFACE = re.compile(r"^[A-Za-z0-9_]+/(?P<res>[^@/]+)")
UNKNOWN = {"", "<unknown>", "unknown", "anonymous", "<none>"}


def extension_of(channel: str | None) -> str | None:
    """The endpoint/extension a channel leads to when its name says so (digits only)."""
    if not channel:
        return None
    m = _DEVICE.match(channel)
    if not m:
        return None
    res = m.group("res")
    return res if _DIGITS.match(res) else None


def extension_of_interface(interface: str | None, member_name: str | None = None) -> str | None:
    """A queue member's extension: its MemberName when numeric, else from the interface."""
    if member_name and _DIGITS.match(member_name):
        return member_name
    if interface:
        m = _INTERFACE.match(interface)
        if m and _DIGITS.match(m.group("res")):
            return m.group("res")
    return member_name or interface


def is_local(channel: str | None) -> bool:
    return bool(channel) and channel.startswith("Local/")


def local_partner(channel: str | None) -> str | None:
    """The other half of a Local channel pair (';1' <-> ';2')."""
    if not is_local(channel):
        return None
    if channel.endswith(";1"):
        return channel[:-1] + "2"
    if channel.endswith(";2"):
        return channel[:-1] + "1"
    return None


def clean(value: str | None) -> str | None:
    """Caller-id values with Asterisk's placeholders mapped to None."""
    if value is None:
        return None
    value = value.strip()
    return None if value.lower() in UNKNOWN else value
