"""The bridge's settings, read once from the environment (see services/sms/README.md)."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import DEFAULT_PORTS, MissingSetting, _env, _int, secret

from .application.inbound import Limits
from .domain.reminders import Schedule, validate_hour

TARGETS = ("identity", "des", "snowman", "recap")
DEFAULT_HTTP_PORT = 9106


@dataclass(frozen=True)
class SmsSettings:
    database_url: str
    gammu_database_url: str
    amqp_uri: str
    targets: dict
    client_id: str
    client_secret: str
    phone_key: bytes
    http_port: int = DEFAULT_HTTP_PORT
    bind_host: str = "0.0.0.0"
    log_level: str = "INFO"
    nip_hash_key: bytes = b""
    poll_seconds: float = 2.0
    reminder_interval_seconds: float = 60.0
    grpc_timeout_seconds: float = 10.0
    limits: Limits = Limits()
    schedule: Schedule = Schedule()


def load_settings() -> SmsSettings:
    """Required, with no default outside the local demo (scripts/devstack.py writes them to .local.env):
    EKINERJA_DATABASE_URL, EKINERJA_SMS_GAMMU_DATABASE_URL, EKINERJA_AMQP_URI, EKINERJA_SMS_CLIENT_ID,
    EKINERJA_SMS_CLIENT_SECRET, EKINERJA_SMS_PHONE_KEY, EKINERJA_NIP_HASH_KEY."""
    targets = {name: _env(f"EKINERJA_{name.upper()}_TARGET", f"127.0.0.1:{DEFAULT_PORTS[name][0]}")
               for name in TARGETS}
    try:
        hour = validate_hour(_int("EKINERJA_SMS_REMINDER_HOUR", 15))
    except ValueError:
        raise MissingSetting("setting EKINERJA_SMS_REMINDER_HOUR must be 0-23") from None
    return SmsSettings(
        database_url=secret("EKINERJA_DATABASE_URL", required=True),
        gammu_database_url=secret("EKINERJA_SMS_GAMMU_DATABASE_URL", required=True),
        amqp_uri=secret("EKINERJA_AMQP_URI", required=True),
        targets=targets,
        client_id=secret("EKINERJA_SMS_CLIENT_ID", required=True),
        client_secret=secret("EKINERJA_SMS_CLIENT_SECRET", required=True),
        phone_key=secret("EKINERJA_SMS_PHONE_KEY", required=True).encode(),
        http_port=_int("EKINERJA_HTTP_PORT", DEFAULT_HTTP_PORT),
        bind_host=_env("EKINERJA_BIND_HOST", "0.0.0.0"),
        log_level=_env("EKINERJA_LOG_LEVEL", "INFO"),
        nip_hash_key=secret("EKINERJA_NIP_HASH_KEY", required=True).encode(),
        poll_seconds=float(_env("EKINERJA_SMS_POLL_SECONDS", "2")),
        reminder_interval_seconds=float(_env("EKINERJA_SMS_REMINDER_INTERVAL_SECONDS", "60")),
        grpc_timeout_seconds=float(_env("EKINERJA_SMS_GRPC_TIMEOUT_SECONDS", "10")),
        limits=Limits(per_day=_int("EKINERJA_SMS_PER_NUMBER_PER_DAY", 30),
                      per_round=_int("EKINERJA_SMS_PER_NUMBER_PER_ROUND", 2),
                      batch=_int("EKINERJA_SMS_BATCH", 20)),
        schedule=Schedule(hour, _env("EKINERJA_SMS_REMINDER_TIMEZONE", "Asia/Jakarta")),
    )
