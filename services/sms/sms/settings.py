"""The bridge's settings, read once from the environment into one typed, frozen model (services/sms/README.md)."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import DEFAULT_PORTS, MissingSetting, load_model, setting

from .application.inbound import Limits
from .domain.reminders import Schedule, validate_hour

TARGETS = ("identity", "des", "snowman", "recap")
DEFAULT_HTTP_PORT = 9106


def _target(name: str):
    return setting(f"EKINERJA_{name.upper()}_TARGET", f"127.0.0.1:{DEFAULT_PORTS[name][0]}",
                   doc=f"host:port of {name}'s gRPC")


def _required(env: str, doc: str, **kwargs):
    return setting(env, required=True, is_secret=True, doc=doc, **kwargs)


@dataclass(frozen=True)
class SmsSettings:
    database_url: str = _required("EKINERJA_DATABASE_URL", "the bridge's own database")
    gammu_database_url: str = _required("EKINERJA_SMS_GAMMU_DATABASE_URL", "Gammu SMSD's database")
    amqp_uri: str = _required("EKINERJA_AMQP_URI", "RabbitMQ (events in: reminders' inputs)")
    client_id: str = _required("EKINERJA_SMS_CLIENT_ID", "the bridge's client at identity")
    client_secret: str = _required("EKINERJA_SMS_CLIENT_SECRET", "that client's secret")
    phone_key: bytes = _required("EKINERJA_SMS_PHONE_KEY", "keyed hash of phone numbers", default=b"",
                                 parse=str.encode)
    nip_hash_key: bytes = _required("EKINERJA_NIP_HASH_KEY", "keyed hash of NIPs in logs", default=b"",
                                    parse=str.encode)
    identity_target: str = _target("identity")
    des_target: str = _target("des")
    snowman_target: str = _target("snowman")
    recap_target: str = _target("recap")
    http_port: int = setting("EKINERJA_HTTP_PORT", DEFAULT_HTTP_PORT, doc="/alive, /ready, /metrics")
    bind_host: str = setting("EKINERJA_BIND_HOST", "0.0.0.0", doc="address to listen on")
    log_level: str = setting("EKINERJA_LOG_LEVEL", "INFO", doc="DEBUG, INFO, WARNING, ERROR")
    poll_seconds: float = setting("EKINERJA_SMS_POLL_SECONDS", 2.0, doc="inbox poll beside NOTIFY")
    reminder_interval_seconds: float = setting("EKINERJA_SMS_REMINDER_INTERVAL_SECONDS", 60.0,
                                                 doc="how often reminders are looked at")
    grpc_timeout_seconds: float = setting("EKINERJA_SMS_GRPC_TIMEOUT_SECONDS", 10.0,
                                           doc="deadline of each service call")
    per_number_per_day: int = setting("EKINERJA_SMS_PER_NUMBER_PER_DAY", Limits.per_day,
                                      doc="messages of one number handled per day")
    per_number_per_round: int = setting("EKINERJA_SMS_PER_NUMBER_PER_ROUND", Limits.per_round,
                                        doc="messages of one number per round (fairness)")
    batch: int = setting("EKINERJA_SMS_BATCH", Limits.batch, doc="messages per round")
    reminder_hour: int = setting("EKINERJA_SMS_REMINDER_HOUR", Schedule.hour, doc="default reminder hour, 0-23")
    reminder_timezone: str = setting("EKINERJA_SMS_REMINDER_TIMEZONE", Schedule.timezone,
                                     doc="zone of the default reminder hour")

    @property
    def targets(self) -> dict:
        return {name: getattr(self, f"{name}_target") for name in TARGETS}

    @property
    def limits(self) -> Limits:
        return Limits(per_day=self.per_number_per_day, per_round=self.per_number_per_round, batch=self.batch)

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.reminder_hour, self.reminder_timezone)


def load_settings() -> SmsSettings:
    """Required, with no default outside the local demo (scripts/devstack.py writes them to .local.env):
    EKINERJA_DATABASE_URL, EKINERJA_SMS_GAMMU_DATABASE_URL, EKINERJA_AMQP_URI, EKINERJA_SMS_CLIENT_ID,
    EKINERJA_SMS_CLIENT_SECRET, EKINERJA_SMS_PHONE_KEY, EKINERJA_NIP_HASH_KEY."""
    settings = load_model(SmsSettings)
    try:
        validate_hour(settings.reminder_hour)
    except ValueError:
        raise MissingSetting("setting EKINERJA_SMS_REMINDER_HOUR must be 0-23") from None
    return settings
