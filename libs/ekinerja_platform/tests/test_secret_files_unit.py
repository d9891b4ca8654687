"""Secret settings read from files (mounted Kubernetes Secrets) or, failing that, from the variable itself."""
from __future__ import annotations

import pytest

from ekinerja_platform import settings

SECRET_SETTINGS = ("EKINERJA_DATABASE_URL", "EKINERJA_AMQP_URI", "EKINERJA_NIP_HASH_KEY",
                   "EKINERJA_MIGRATION_DATABASE_URL", "EKINERJA_PHONE_HASH_KEY", "EKINERJA_PHONE_ENCRYPTION_KEY",
                   "EKINERJA_SMS_GAMMU_DATABASE_URL", "EKINERJA_SMS_CLIENT_ID", "EKINERJA_SMS_CLIENT_SECRET",
                   "EKINERJA_SMS_PHONE_KEY", "EKINERJA_PORTAL_SESSION_KEY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in SECRET_SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_the_file_wins_and_loses_one_trailing_newline(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", write(tmp_path, "nip", "key-from-file\n"))
    assert settings.secret("EKINERJA_NIP_HASH_KEY", required=True) == "key-from-file"


def test_only_one_newline_is_stripped_and_inner_spaces_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", write(tmp_path, "nip", " a b\n\n"))
    assert settings.secret("EKINERJA_NIP_HASH_KEY") == " a b\n"
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", write(tmp_path, "nip2", "no-newline"))
    assert settings.secret("EKINERJA_NIP_HASH_KEY") == "no-newline"


def test_without_a_file_the_variable_is_read(monkeypatch):
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY", "key-from-env")
    assert settings.secret("EKINERJA_NIP_HASH_KEY", required=True) == "key-from-env"
    assert settings.secret("EKINERJA_MIGRATION_DATABASE_URL") is None


def test_both_set_refuses_naming_both(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY", "key-from-env")
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", write(tmp_path, "nip", "key-from-file"))
    with pytest.raises(settings.MissingSetting) as exc:
        settings.secret("EKINERJA_NIP_HASH_KEY")
    assert "EKINERJA_NIP_HASH_KEY and EKINERJA_NIP_HASH_KEY_FILE" in str(exc.value.code)


def test_an_unreadable_or_empty_file_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(settings.MissingSetting, match="EKINERJA_NIP_HASH_KEY_FILE"):
        settings.secret("EKINERJA_NIP_HASH_KEY", required=True)
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", write(tmp_path, "empty", "\n"))
    with pytest.raises(settings.MissingSetting, match="EKINERJA_NIP_HASH_KEY_FILE"):
        settings.secret("EKINERJA_NIP_HASH_KEY", required=True)
    assert settings.secret("EKINERJA_NIP_HASH_KEY", "fallback") == "fallback"


def test_platform_settings_come_from_files(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_DATABASE_URL_FILE", write(tmp_path, "db", "postgresql://u:pw@db/x\n"))
    monkeypatch.setenv("EKINERJA_AMQP_URI_FILE", write(tmp_path, "mq", "amqp://g:pw@mq/v\n"))
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY_FILE", write(tmp_path, "nip", "nip-key\n"))
    loaded = settings.load_settings("skp", require_jwks=False)
    assert (loaded.database_url, loaded.amqp_uri, loaded.nip_hash_key) == (
        "postgresql://u:pw@db/x", "amqp://g:pw@mq/v", b"nip-key")


def test_platform_settings_refuse_a_secret_given_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("EKINERJA_DATABASE_URL", "postgresql://u:pw@db/x")
    monkeypatch.setenv("EKINERJA_DATABASE_URL_FILE", write(tmp_path, "db", "postgresql://u:pw@db/y"))
    monkeypatch.setenv("EKINERJA_AMQP_URI", "amqp://g:pw@mq/v")
    monkeypatch.setenv("EKINERJA_NIP_HASH_KEY", "nip-key")
    with pytest.raises(settings.MissingSetting, match="EKINERJA_DATABASE_URL_FILE"):
        settings.load_settings("skp", require_jwks=False)


def test_every_service_secret_setting_reads_its_file(tmp_path, monkeypatch):
    """identity's phone keys, the SMS bridge's and the portal's secrets go through the same function."""
    identity_settings = pytest.importorskip("identity.settings")
    sms_settings = pytest.importorskip("sms.settings")
    portal_settings = pytest.importorskip("portal.settings")
    for name in SECRET_SETTINGS:
        monkeypatch.setenv(f"{name}_FILE", write(tmp_path, name, f"{name.lower()}-value\n"))
    monkeypatch.setenv("EKINERJA_SIGNING_KEY_DIR", str(tmp_path / "keys"))
    identity = identity_settings.load_identity_settings()
    assert identity.phone_hash_key == b"ekinerja_phone_hash_key-value"
    assert identity.phone_encryption_key == b"ekinerja_phone_encryption_key-value"
    sms = sms_settings.load_settings()
    assert (sms.database_url, sms.gammu_database_url, sms.amqp_uri, sms.client_id, sms.client_secret,
            sms.phone_key, sms.nip_hash_key) == (
        "ekinerja_database_url-value", "ekinerja_sms_gammu_database_url-value", "ekinerja_amqp_uri-value",
        "ekinerja_sms_client_id-value", "ekinerja_sms_client_secret-value", b"ekinerja_sms_phone_key-value",
        b"ekinerja_nip_hash_key-value")
    portal = portal_settings.load_settings()
    assert portal.session_keys == ("ekinerja_portal_session_key-value",)
    assert portal.database_url == "ekinerja_database_url-value"
