"""The bridge's settings model (sms/settings.py): same variables and defaults as before, a missing or malformed
variable stops the process naming it, secrets from `<NAME>_FILE`."""
from __future__ import annotations

import pytest

from ekinerja_platform.settings import MissingSetting
from sms.application.inbound import Limits
from sms.domain.reminders import Schedule
from sms.settings import load_settings

pytestmark = pytest.mark.unit

BASE = {"EKINERJA_DATABASE_URL": "postgresql://u:p@db/sms", "EKINERJA_SMS_GAMMU_DATABASE_URL": "postgresql://g@db/g",
        "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//", "EKINERJA_SMS_CLIENT_ID": "sms-bridge",
        "EKINERJA_SMS_CLIENT_SECRET": "rahasia", "EKINERJA_SMS_PHONE_KEY": "phone-key",
        "EKINERJA_NIP_HASH_KEY": "nip-key"}


@pytest.fixture
def env(settings_env):
    return settings_env(BASE)


def test_defaults(env):
    settings = load_settings()
    assert settings.targets == {"identity": "127.0.0.1:50051", "des": "127.0.0.1:50053",
                                "snowman": "127.0.0.1:50055", "recap": "127.0.0.1:50054"}
    assert settings.limits == Limits() and settings.schedule == Schedule(15, "Asia/Jakarta")
    assert (settings.http_port, settings.poll_seconds, settings.phone_key) == (9106, 2.0, b"phone-key")
    assert "rahasia" not in repr(settings)


def test_limits_and_schedule_from_their_variables(env):
    env.setenv("EKINERJA_SMS_PER_NUMBER_PER_DAY", "5")
    env.setenv("EKINERJA_SMS_REMINDER_HOUR", "8")
    env.setenv("EKINERJA_SMS_REMINDER_TIMEZONE", "Asia/Makassar")
    settings = load_settings()
    assert settings.limits == Limits(per_day=5) and settings.schedule == Schedule(8, "Asia/Makassar")


@pytest.mark.parametrize("name", sorted(BASE))
def test_a_missing_required_setting_is_named(env, name):
    env.delenv(name)
    with pytest.raises(MissingSetting, match=name):
        load_settings()


@pytest.mark.parametrize("name, value, message", [
    ("EKINERJA_SMS_BATCH", "dua puluh", "EKINERJA_SMS_BATCH must be an integer"),
    ("EKINERJA_SMS_POLL_SECONDS", "cepat", "EKINERJA_SMS_POLL_SECONDS must be a number"),
    ("EKINERJA_SMS_REMINDER_HOUR", "24", "EKINERJA_SMS_REMINDER_HOUR must be 0-23"),
])
def test_a_bad_value_is_named(env, name, value, message):
    env.setenv(name, value)
    with pytest.raises(MissingSetting, match=message):
        load_settings()


def test_client_secret_from_a_file(env, tmp_path):
    (tmp_path / "secret").write_text("dari-berkas\n")
    env.delenv("EKINERJA_SMS_CLIENT_SECRET")
    env.setenv("EKINERJA_SMS_CLIENT_SECRET_FILE", str(tmp_path / "secret"))
    assert load_settings().client_secret == "dari-berkas"
    (tmp_path / "secret").write_text("")
    with pytest.raises(MissingSetting, match="EKINERJA_SMS_CLIENT_SECRET_FILE names an empty file"):
        load_settings()
