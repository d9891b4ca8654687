"""snowman's settings: the platform's EKINERJA_* (read by the runner) and snowman's own model (snowman/settings.py)
keep their variable names and defaults, stop the process naming a missing or malformed variable, and read secrets
from `<NAME>_FILE`. The malformed-number and file cases failed before the typed model (the ruleset's message did not
name the reason)."""
from __future__ import annotations

import pytest

from ekinerja_platform.settings import MissingSetting, load_settings
from snowman.settings import load_settings as load_snowman_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/snowman", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
        "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


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
