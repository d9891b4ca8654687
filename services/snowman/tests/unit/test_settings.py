"""snowman's settings: the platform's EKINERJA_* (read by the runner) and snowman's own model (snowman/settings.py)
keep their variable names and defaults, stop the process naming a missing or malformed variable, and read secrets
from `<NAME>_FILE`. The malformed-number and file cases failed before the typed model (the ruleset's message did not
name the reason)."""
from __future__ import annotations

import os

import pytest

from ekinerja_platform.settings import MissingSetting, load_settings
from snowman.settings import load_settings as load_snowman_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/snowman", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
        "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks"}


@pytest.fixture
def env(monkeypatch):
    """Only the variables a test sets: nothing from the developer's shell or another test."""
    for name in list(os.environ):
        if name.startswith("EKINERJA_"):
            monkeypatch.delenv(name)
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_platform_defaults_and_ports(env):
    settings = load_settings("snowman")
    assert (settings.grpc_port, settings.http_port) == (50055, 9105)
    assert settings.database_url == "postgresql://u:p@db/snowman" and settings.log_level == "INFO"


def test_a_missing_required_platform_setting_is_named(env):
    env.delenv("EKINERJA_AMQP_URI")
    with pytest.raises(MissingSetting, match="EKINERJA_AMQP_URI"):
        load_settings("snowman")


def test_nip_hash_key_from_a_file(env, tmp_path):
    (tmp_path / "nip").write_text("from-file\n")
    env.delenv("EKINERJA_NIP_HASH_KEY")
    env.setenv("EKINERJA_NIP_HASH_KEY_FILE", str(tmp_path / "nip"))
    assert load_settings("snowman").nip_hash_key == b"from-file"


def test_own_defaults(env):
    assert load_snowman_settings().default_ruleset == "permenpanrb-6-2022"
    env.setenv("EKINERJA_SNOWMAN_DEFAULT_RULESET", "  ")
    assert load_snowman_settings().default_ruleset == "permenpanrb-6-2022"


def test_a_bad_ruleset_is_named(env):
    env.setenv("EKINERJA_SNOWMAN_DEFAULT_RULESET", "semua")
    with pytest.raises(MissingSetting, match="setting EKINERJA_SNOWMAN_DEFAULT_RULESET: 'semua' is not one of"):
        load_snowman_settings()


def test_a_bad_number_is_named(env):
    env.setenv("EKINERJA_RELAY_BATCH_SIZE", "banyak")
    with pytest.raises(MissingSetting, match="EKINERJA_RELAY_BATCH_SIZE must be an integer"):
        load_settings("snowman")
