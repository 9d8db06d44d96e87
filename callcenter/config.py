"""Settings from the environment, each with an embedded default."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEV_SECRET = "dev-insecure-secret"


class ConfigError(Exception):
    """Raised when the configuration cannot be used as given."""

    code = "config_error"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    instance_path: str = "instance"
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str | None = None
    debug: bool = False
    demo: bool = False
    ami_url: str | None = None
    fastagi_bind: str = "127.0.0.1:4573"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base: str | None = None
    trusted_proxy_hops: int = 0
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh"
    recordings_path: str = ""
    fax_spool: str = ""
    fax_inbox: str | None = None
    public_base_url: str = "http://127.0.0.1:5000"
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        inst = Path(self.instance_path)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{(inst / 'callcenter.sqlite').absolute()}")
        if not self.recordings_path:
            object.__setattr__(self, "recordings_path", str(inst / "recordings"))
        if not self.fax_spool:
            object.__setattr__(self, "fax_spool", str(inst / "fax"))

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None, **overrides) -> "Settings":
        """Build settings from environment variables; unset ones keep the embedded default."""
        env = os.environ if env is None else env
        values = dict(
            instance_path=env.get("CALLCENTER_INSTANCE", "instance"),
            database_url=env.get("DATABASE_URL", ""),
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY") or None,
            debug=_bool(env.get("CALLCENTER_DEBUG")),
            demo=_bool(env.get("CALLCENTER_DEMO")),
            ami_url=env.get("AMI_URL") or None,
            fastagi_bind=env.get("FASTAGI_BIND", "127.0.0.1:4573"),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
            twilio_api_base=env.get("TWILIO_API_BASE") or None,
            trusted_proxy_hops=int(env.get("TRUSTED_PROXY_HOPS", "0") or 0),
            recordings_path=env.get("RECORDINGS_PATH", ""),
            fax_spool=env.get("FAX_SPOOL", ""),
            fax_inbox=env.get("FAX_INBOX") or None,
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        )
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def effective_secret_key(self) -> str:
        """Return the secret key, refusing the built-in one outside demo/debug mode."""
        if self.secret_key:
            return self.secret_key
        if self.debug or self.demo:
            return DEV_SECRET
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random value, e.g.\n"
            "  export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
            "or run with --demo (or CALLCENTER_DEBUG=1) for a throwaway local instance."
        )
