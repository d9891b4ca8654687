"""The portal's settings model (portal/settings.py): same variables and defaults as before, a missing or malformed
variable stops the process naming it, secrets from `<NAME>_FILE`, and `python -m portal settings` prints no secret
(it printed the session keys before)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from portal.settings import load_settings

from ekinerja_platform.settings import MissingSetting

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/portal", "EKINERJA_NIP_HASH_KEY": "nip-key",
        "EKINERJA_PORTAL_SESSION_KEY": "kunci-satu, kunci-dua"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


def test_defaults(env):
    settings = load_settings()
    assert settings.targets == {"identity": "127.0.0.1:50051", "skp": "127.0.0.1:50052", "des": "127.0.0.1:50053",
                                "recap": "127.0.0.1:50054", "snowman": "127.0.0.1:50055"}
    assert (settings.http_port, settings.session_ttl_seconds, settings.grpc_timeout_seconds) == (8080, 28800, 10.0)
    assert settings.session_keys == ("kunci-satu", "kunci-dua")
    assert "kunci-satu" not in repr(settings)


def test_a_target_is_overridden(env):
    env.setenv("EKINERJA_DES_TARGET", "des.ekinerja:50053")
    assert load_settings().targets["des"] == "des.ekinerja:50053"


@pytest.mark.parametrize("name", sorted(BASE))
def test_a_missing_required_setting_is_named(env, name):
    env.delenv(name)
    with pytest.raises(MissingSetting, match=name):
        load_settings()


@pytest.mark.parametrize("name, value, message", [
    ("EKINERJA_PORTAL_DB_POOL_SIZE", "lima", "EKINERJA_PORTAL_DB_POOL_SIZE must be an integer"),
    ("EKINERJA_PORTAL_GRPC_TIMEOUT_SECONDS", "sepuluh", "EKINERJA_PORTAL_GRPC_TIMEOUT_SECONDS must be a number"),
    ("EKINERJA_PORTAL_SESSION_TTL_SECONDS", "0", "EKINERJA_PORTAL_SESSION_TTL_SECONDS must be positive"),
    ("EKINERJA_PORTAL_SESSION_KEY", " , ", "EKINERJA_PORTAL_SESSION_KEY: must hold at least one key"),
])
def test_a_bad_value_is_named(env, name, value, message):
    env.setenv(name, value)
    with pytest.raises(MissingSetting, match=message):
        load_settings()


def test_session_key_from_a_file(env, tmp_path):
    (tmp_path / "key").write_text("dari-berkas\n")
    env.delenv("EKINERJA_PORTAL_SESSION_KEY")
    env.setenv("EKINERJA_PORTAL_SESSION_KEY_FILE", str(tmp_path / "key"))
    assert load_settings().session_keys == ("dari-berkas",)


def test_the_settings_command_prints_no_secret(env):
    out = subprocess.run([sys.executable, "-m", "portal", "settings"], capture_output=True, text=True, check=True,
                         env=dict(os.environ)).stdout
    assert "session_ttl_seconds" in out
    assert "kunci-satu" not in out and "nip-key" not in out and "u:p@db" not in out
