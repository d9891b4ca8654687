"""skp's settings: the platform's EKINERJA_* (read by the runner) and skp's own model (skp/settings.py) keep their
variable names and defaults, stop the process naming a missing or malformed variable, and read secrets from
`<NAME>_FILE`. These behaved so before the typed
model too (the platform's loader); they hold it to the same behaviour."""
from __future__ import annotations

import os

import pytest

from ekinerja_platform.settings import MissingSetting, load_settings
from skp.settings import SkpSettings
from skp.settings import load_settings as load_skp_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/skp", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
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
    settings = load_settings("skp")
    assert (settings.grpc_port, settings.http_port) == (50052, 9102)
    assert settings.database_url == "postgresql://u:p@db/skp" and settings.log_level == "INFO"


def test_a_missing_required_platform_setting_is_named(env):
    env.delenv("EKINERJA_AMQP_URI")
    with pytest.raises(MissingSetting, match="EKINERJA_AMQP_URI"):
        load_settings("skp")


def test_nip_hash_key_from_a_file(env, tmp_path):
    (tmp_path / "nip").write_text("from-file\n")
    env.delenv("EKINERJA_NIP_HASH_KEY")
    env.setenv("EKINERJA_NIP_HASH_KEY_FILE", str(tmp_path / "nip"))
    assert load_settings("skp").nip_hash_key == b"from-file"


def test_skp_has_no_variables_of_its_own(env):
    assert load_skp_settings() == SkpSettings()


def test_a_bad_port_is_named(env):
    env.setenv("EKINERJA_GRPC_PORT", "lima-puluh")
    with pytest.raises(MissingSetting, match="EKINERJA_GRPC_PORT must be an integer"):
        load_settings("skp")
