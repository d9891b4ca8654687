"""recap's settings: the platform's EKINERJA_* (read by the runner) and recap's own model (recap/settings.py) keep
their variable names and defaults, stop the process naming a missing or malformed variable, and read secrets from
`<NAME>_FILE`. These behaved so before the typed
model too (the platform's loader); they hold it to the same behaviour."""
from __future__ import annotations

import os

import pytest

from ekinerja_platform.settings import MissingSetting, load_settings
from recap.settings import load_settings as load_recap_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/recap", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
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
    settings = load_settings("recap")
    assert (settings.grpc_port, settings.http_port) == (50054, 9104)
    assert settings.database_url == "postgresql://u:p@db/recap" and settings.log_level == "INFO"


def test_a_missing_required_platform_setting_is_named(env):
    env.delenv("EKINERJA_AMQP_URI")
    with pytest.raises(MissingSetting, match="EKINERJA_AMQP_URI"):
        load_settings("recap")


def test_nip_hash_key_from_a_file(env, tmp_path):
    (tmp_path / "nip").write_text("from-file\n")
    env.delenv("EKINERJA_NIP_HASH_KEY")
    env.setenv("EKINERJA_NIP_HASH_KEY_FILE", str(tmp_path / "nip"))
    assert load_settings("recap").nip_hash_key == b"from-file"


def test_own_defaults(env):
    assert load_recap_settings().migration_database_url is None


def test_migration_url_from_a_file_and_not_both(env, tmp_path):
    (tmp_path / "url").write_text("postgresql://owner:secret@db/recap\n")
    env.setenv("EKINERJA_MIGRATION_DATABASE_URL_FILE", str(tmp_path / "url"))
    settings = load_recap_settings()
    assert settings.migration_database_url == "postgresql://owner:secret@db/recap"
    assert "secret" not in repr(settings)
    env.setenv("EKINERJA_MIGRATION_DATABASE_URL", "postgresql://other@db/recap")
    with pytest.raises(MissingSetting, match="MIGRATION_DATABASE_URL and EKINERJA_MIGRATION_DATABASE_URL_FILE"):
        load_recap_settings()


def test_a_bad_number_is_named(env):
    env.setenv("EKINERJA_MAX_WORKERS", "dua puluh")
    with pytest.raises(MissingSetting, match="EKINERJA_MAX_WORKERS must be an integer"):
        load_settings("recap")
