"""identity's settings: the platform's EKINERJA_* (read by the runner) and identity's own model (identity/settings.py)
keep their variable names and defaults, stop the process naming a missing or malformed variable, and read secrets
from `<NAME>_FILE`. The malformed-number and file cases failed before the typed model."""
from __future__ import annotations

import pytest

from ekinerja_platform.settings import MissingSetting
from identity.settings import IdentitySettings, load_identity_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/identity", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
        "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks",
        "EKINERJA_PHONE_HASH_KEY": "phone-hash", "EKINERJA_PHONE_ENCRYPTION_KEY": "phone-seal"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


@pytest.fixture
def keys(env, tmp_path):
    env.setenv("EKINERJA_SIGNING_KEY_DIR", str(tmp_path / "keys"))
    return env


def test_own_defaults(keys, tmp_path):
    settings = load_identity_settings()
    assert (settings.access_ttl_seconds, settings.refresh_ttl_seconds, settings.trusted_proxies) == (900, 604800, ())
    assert settings.phone_hash_key == b"phone-hash" and "phone-hash" not in repr(settings)
    assert (tmp_path / "keys").is_dir()


def test_the_signing_key_dir_is_required(env):
    with pytest.raises(MissingSetting, match="EKINERJA_SIGNING_KEY_DIR is required"):
        load_identity_settings()


def test_a_bad_number_and_bad_networks_are_named(keys):
    keys.setenv("EKINERJA_LOGIN_FAMILIAR_DAYS", "tiga puluh")
    with pytest.raises(MissingSetting, match="EKINERJA_LOGIN_FAMILIAR_DAYS must be an integer"):
        load_identity_settings()
    keys.delenv("EKINERJA_LOGIN_FAMILIAR_DAYS")
    keys.setenv("EKINERJA_TRUSTED_PROXIES", "10.0.0.0/8,bukan-jaringan")
    with pytest.raises(MissingSetting, match="setting EKINERJA_TRUSTED_PROXIES"):
        load_identity_settings()


def test_phone_key_from_a_file(keys, tmp_path):
    (tmp_path / "seal").write_text("sealed-in-file\n")
    keys.delenv("EKINERJA_PHONE_ENCRYPTION_KEY")
    keys.setenv("EKINERJA_PHONE_ENCRYPTION_KEY_FILE", str(tmp_path / "seal"))
    assert load_identity_settings().phone_encryption_key == b"sealed-in-file"


def test_the_model_still_builds_in_code():
    assert IdentitySettings(signing_key_dir="unused").login_familiar_days == 30
