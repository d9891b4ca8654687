"""recap's settings: the platform's EKINERJA_* (read by the runner) and recap's own model (recap/settings.py) keep
their variable names and defaults, stop the process naming a missing or malformed variable, and read secrets from
`<NAME>_FILE`. These behaved so before the typed
model too (the platform's loader); they hold it to the same behaviour."""
from __future__ import annotations

import pytest

from ekinerja_platform.settings import MissingSetting, load_settings
from recap.settings import load_settings as load_recap_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/recap", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
        "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


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
