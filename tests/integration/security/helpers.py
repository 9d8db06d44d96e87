"""Log-in helpers for the security tests (the form needs its CSRF token)."""
from __future__ import annotations

import re

PASSWORD = "Passw0rd!"


def token(client, path: str = "/login") -> str:
    page = client.get(path).data.decode()
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, username: str, password: str = PASSWORD, extension: str = ""):
    return client.post("/login", data={"username": username, "password": password,
                                       "extension": extension, "csrf_token": token(client)})
