"""skp's settings: the platform's EKINERJA_* (read by the runner) and skp's own model (skp/settings.py) keep their
variable names and defaults, stop the process naming a missing or malformed variable, and read secrets from
`<NAME>_FILE`. These behaved so before the typed
model too (the platform's loader); they hold it to the same behaviour."""
from __future__ import annotations

import pytest

from ekinerja_platform.settings import MissingSetting, load_settings
from skp.settings import SkpSettings
from skp.settings import load_settings as load_skp_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/skp", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
        "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


def test_skp_has_no_variables_of_its_own(env):
    assert load_skp_settings() == SkpSettings()


def test_a_bad_port_is_named(env):
    env.setenv("EKINERJA_GRPC_PORT", "lima-puluh")
    with pytest.raises(MissingSetting, match="EKINERJA_GRPC_PORT must be an integer"):
        load_settings("skp")
