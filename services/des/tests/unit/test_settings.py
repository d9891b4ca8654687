"""des's settings: the platform's EKINERJA_* (read by the runner) and des's own model (des/settings.py) keep their
variable names and defaults, stop the process naming a missing or malformed variable, and read secrets from
`<NAME>_FILE`. The malformed-number and file cases failed before the typed model (a bare ValueError, or nothing
until the first request)."""
from __future__ import annotations

import pytest

from des.application.config import DesConfig, load
from des.settings import DesSettings
from ekinerja_platform.settings import MissingSetting

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/des", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
        "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


def test_own_defaults(env):
    assert load() == DesConfig(evidence_max_bytes=524288, default_window_days=5, import_batch_max=10000,
                               backlog_days=3)
    assert isinstance(load(), DesSettings)


def test_own_values(env):
    env.setenv("EKINERJA_DES_WINDOW_DAYS", "7")
    env.setenv("EKINERJA_DES_BACKLOG_DAYS", "0")
    assert (load().default_window_days, load().backlog_days) == (7, 0)


@pytest.mark.parametrize("name, value, message", [
    ("EKINERJA_DES_WINDOW_DAYS", "lima", "EKINERJA_DES_WINDOW_DAYS must be an integer"),
    ("EKINERJA_DES_EVIDENCE_MAX_BYTES", "512K", "EKINERJA_DES_EVIDENCE_MAX_BYTES must be an integer"),
    ("EKINERJA_DES_BACKLOG_DAYS", "-1", "EKINERJA_DES_BACKLOG_DAYS must be 0 or more"),
])
def test_a_bad_value_is_named(env, name, value, message):
    env.setenv(name, value)
    with pytest.raises(MissingSetting, match=message):
        load()
