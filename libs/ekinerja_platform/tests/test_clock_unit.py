"""The platform clock: the user's day in the instansi's zone (WIB by default), instants in UTC, frozen in tests."""
from __future__ import annotations

import datetime as dt

import pytest

from ekinerja_platform import clock

pytestmark = pytest.mark.unit

# 23:30 UTC on 30 June: already 1 July in all three Indonesian zones
LATE_UTC = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc)


def test_today_is_the_day_in_wib_by_default_not_the_utc_day(frozen_clock, monkeypatch):
    monkeypatch.delenv("EKINERJA_TIMEZONE", raising=False)
    frozen_clock(LATE_UTC)
    assert clock.today() == dt.date(2026, 7, 1)
    assert clock.now() == LATE_UTC and clock.now().tzinfo == dt.timezone.utc  # timestamps stay UTC


@pytest.mark.parametrize(("zone", "hour_utc", "day"), [
    ("Asia/Jakarta", 16, 30), ("Asia/Jakarta", 17, 1),  # WIB = UTC+7: midnight at 17:00 UTC
    ("WITA", 15, 30), ("WITA", 16, 1),  # UTC+8
    ("WIT", 14, 30), ("WIT", 15, 1),  # UTC+9
])
def test_the_day_turns_at_local_midnight_in_each_zone(frozen_clock, zone, hour_utc, day):
    frozen_clock(dt.datetime(2026, 6, 30, hour_utc, 0, tzinfo=dt.timezone.utc), zone)
    assert clock.today().day == day


def test_setting_names_the_default_zone(monkeypatch):
    monkeypatch.setenv("EKINERJA_TIMEZONE", "Asia/Jayapura")
    with clock.frozen(dt.datetime(2026, 6, 30, 15, 0, tzinfo=dt.timezone.utc)):
        assert clock.zone().key == "Asia/Jayapura"
        assert clock.today() == dt.date(2026, 7, 1)


def test_an_instansi_may_have_its_own_zone(frozen_clock):
    frozen_clock(dt.datetime(2026, 6, 30, 16, 30, tzinfo=dt.timezone.utc), "Asia/Jakarta")  # 23:30 WIB
    clock.set_zone_resolver(lambda instansi: "Asia/Makassar" if instansi == "kota-makassar" else None)
    try:
        assert clock.today() == dt.date(2026, 6, 30)
        assert clock.today("kota-bogor") == dt.date(2026, 6, 30)
        assert clock.today("kota-makassar") == dt.date(2026, 7, 1)  # 00:30 WITA
    finally:
        clock.set_zone_resolver(None)


def test_an_unknown_zone_is_refused_by_name():
    with pytest.raises(ValueError, match="EKINERJA_TIMEZONE.*Mars/Olympus"):
        clock.zone_named("Mars/Olympus")


def test_freezing_ends_with_the_block():
    with clock.frozen(LATE_UTC):
        assert clock.now() == LATE_UTC
    assert clock.now() != LATE_UTC
    with pytest.raises(ValueError):
        with clock.frozen(dt.datetime(2026, 6, 30, 23, 30)):
            pass
