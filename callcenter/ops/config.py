"""Operations and security settings from the environment (each with an embedded default)."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class OpsSettings:
    log_format: str | None = None
    log_level: str = "INFO"
    session_idle_minutes: int = 30
    login_rate_limit: str = "10 per minute"

    @classmethod
    def from_env(cls, env=None) -> "OpsSettings":
        env = os.environ if env is None else env
        return cls(log_format=env.get("LOG_FORMAT") or None,
                   log_level=env.get("LOG_LEVEL") or "INFO",
                   session_idle_minutes=int(env.get("SESSION_IDLE_MINUTES") or 30),
                   login_rate_limit=env.get("LOGIN_RATE_LIMIT") or "10 per minute")
