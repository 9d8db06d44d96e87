"""Is a telephony endpoint reachable beyond loopback or a private network? AMI and FastAGI
have no transport encryption and FastAGI no authentication: they must not be.

>>> classify("127.0.0.1"), classify("10.1.2.3"), classify("0.0.0.0"), classify("8.8.8.8")
('loopback', 'private', 'all', 'public')
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def classify(host: str) -> str:
    """loopback / private / all (every interface) / public / unresolved, for a host or IP."""
    if host in ("", "0.0.0.0", "::", "*"):
        return "all"
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return "unresolved"
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    if all(a.is_loopback for a in addresses):
        return "loopback"
    if all(a.is_loopback or a.is_private or a.is_link_local for a in addresses):
        return "private"
    return "public"


def split_bind(bind: str) -> tuple[str, str]:
    host, _, port = bind.rpartition(":")
    return host.strip("[]"), port


def bind_warning(kind: str, bind: str | None) -> str | None:
    """A warning when `bind` (HOST:PORT) listens beyond loopback or private networks."""
    if not bind:
        return None
    host, port = split_bind(bind)
    where = classify(host)
    if where in ("loopback", "private"):
        return None
    if where == "all":
        return (f"{kind} listens on every interface ({bind}): bind it to loopback or a "
                f"private address, or firewall port {port}")
    if where == "unresolved":
        return f"{kind} bind host {host!r} does not resolve"
    return f"{kind} listens on a public address ({bind}): it has no encryption; use a " \
           "private address or a VPN"


def ami_url_warning(ami_url: str | None) -> str | None:
    """A warning when the AMI endpoint is public (credentials and calls would cross it in
    clear text). The message names host and port only, never the credentials."""
    if not ami_url:
        return None
    parts = urlsplit(ami_url)
    host = parts.hostname or ""
    if classify(host) in ("loopback", "private"):
        return None
    return (f"AMI at {host}:{parts.port or 5038} is not on loopback or a private network: "
            "AMI sends its login and every call in clear text")


def manager_conf_bindaddr(text: str) -> str | None:
    """The `bindaddr` of manager.conf's [general] section (None: Asterisk's default 0.0.0.0)."""
    section = None
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("[") and "]" in line:
            section = line[1:line.index("]")].strip()
        elif section == "general" and "=" in line:
            key, value = (s.strip() for s in line.split("=", 1))
            if key.lower() == "bindaddr":
                return value
    return None
