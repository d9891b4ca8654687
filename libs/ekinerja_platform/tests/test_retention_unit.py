"""Retention settings: documented defaults, a clear stop on a bad value; unsent outbox rows are never a target."""
import datetime as dt

import pytest

from ekinerja_platform.retention import RetentionSettings, load_retention_settings, platform_rules
from ekinerja_platform.settings import MissingSetting

NAMES = ("EKINERJA_OUTBOX_HORIZON_DAYS", "EKINERJA_INBOX_HORIZON_DAYS", "EKINERJA_IDEMPOTENCY_HORIZON_HOURS",
         "EKINERJA_RETENTION_BATCH_SIZE", "EKINERJA_RETENTION_INTERVAL_SECONDS")


def test_defaults_are_the_documented_horizons(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    assert load_retention_settings() == RetentionSettings(
        outbox_horizon=dt.timedelta(days=7), inbox_horizon=dt.timedelta(days=30),
        idempotency_horizon=dt.timedelta(hours=24), batch_size=1000, interval_seconds=300)


@pytest.mark.parametrize("name,value", [("EKINERJA_OUTBOX_HORIZON_DAYS", "0"), ("EKINERJA_RETENTION_BATCH_SIZE", "x"),
                                        ("EKINERJA_RETENTION_INTERVAL_SECONDS", "-1")])
def test_a_bad_value_stops_with_a_clear_message(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(MissingSetting):
        load_retention_settings()


def test_only_sent_outbox_rows_are_purged():
    [outbox] = [r for r in platform_rules(RetentionSettings()) if r.table == "outbox"]
    assert "sent_at IS NOT NULL" in outbox.condition
