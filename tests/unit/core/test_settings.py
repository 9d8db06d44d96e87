"""Configuration: embedded defaults, and no silent insecure secret in production."""
import pytest

from callcenter.config import ConfigError, Settings


def test_every_setting_has_an_embedded_default():
    s = Settings.from_env({})
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("callcenter.sqlite")
    assert s.redis_url is None
    assert s.fastagi_bind == "127.0.0.1:4573"


def test_environment_overrides_defaults():
    s = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://u@h/db", "REDIS_URL": "redis://x:1/0"})
    assert s.database_url == "postgresql+psycopg://u@h/db" and s.redis_url == "redis://x:1/0"


def test_missing_secret_key_is_refused_outside_demo_with_instructions():
    with pytest.raises(ConfigError) as err:
        Settings.from_env({}).effective_secret_key()
    assert "export SECRET_KEY" in str(err.value)


def test_missing_secret_key_is_fine_in_demo_or_debug():
    assert Settings.from_env({"CALLCENTER_DEMO": "1"}).effective_secret_key()
    assert Settings.from_env({"CALLCENTER_DEBUG": "true"}).effective_secret_key()
