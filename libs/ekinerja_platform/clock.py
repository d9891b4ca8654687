"""The one clock of every service: `now()` for instants (UTC-aware, for timestamps) and `today()` for "what day is
it for the user" (the calendar day in the instansi's time zone). Standard library only, so domain code may use it.

Every service used to read its own clock (identity and skp the container's zone, recap UTC, des Asia/Jakarta), so
between 00:00 and 07:00 WIB they disagreed about the date. Identity's instansi has no zone field, so the zone is the
setting `EKINERJA_TIMEZONE` (default Asia/Jakarta, WIB; Asia/Makassar is WITA, Asia/Jayapura WIT), and a
per-instansi override can be installed with `set_zone_resolver` (e.g. a lookup once identity records a zone).
Tests freeze it with `frozen(...)` (the `frozen_clock` fixture of the root conftest).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Jakarta"
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
ZoneResolver = Callable[[str], "str | None"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def zone_named(name: str) -> ZoneInfo:
    """`Asia/Jakarta` or its short name (WIB, WITA, WIT); an unknown zone stops the caller with the name."""
    name = ZONES.get(name.strip().upper(), name.strip())
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"EKINERJA_TIMEZONE: unknown time zone {name!r} (e.g. Asia/Jakarta, WITA, WIT)") from None


class Clock:
    """Instants from `source` (UTC-aware), days in `zone` unless the resolver names another for the instansi."""

    def __init__(self, zone: str | None = None, source: Callable[[], dt.datetime] = _utc_now,
                 resolver: ZoneResolver | None = None):
        self._zone_name = zone
        self._zone: ZoneInfo | None = None
        self.source = source
        self.resolver = resolver

    @property
    def zone(self) -> ZoneInfo:
        if self._zone is None:  # read once, on first use: importing this module reads no setting
            self._zone = zone_named(self._zone_name or os.environ.get("EKINERJA_TIMEZONE") or DEFAULT_ZONE)
        return self._zone

    def zone_for(self, instansi_id: str | None = None) -> ZoneInfo:
        if instansi_id and self.resolver is not None:
            override = self.resolver(instansi_id)
            if override:
                return zone_named(override)
        return self.zone

    def now(self) -> dt.datetime:
        return self.source().astimezone(dt.timezone.utc)

    def today(self, instansi_id: str | None = None) -> dt.date:
        return self.now().astimezone(self.zone_for(instansi_id)).date()


_clock = Clock()


def now() -> dt.datetime:
    """This instant, UTC-aware: for timestamps."""
    return _clock.now()


def today(instansi_id: str | None = None) -> dt.date:
    """Today for the user: the calendar day in the instansi's zone (default `EKINERJA_TIMEZONE`)."""
    return _clock.today(instansi_id)


def zone(instansi_id: str | None = None) -> ZoneInfo:
    """The instansi's zone (default `EKINERJA_TIMEZONE`): to turn a stored instant into the user's day."""
    return _clock.zone_for(instansi_id)


def set_zone_resolver(resolver: ZoneResolver | None) -> None:
    """Install the per-instansi override: instansi id -> zone name (None: the default zone)."""
    _clock.resolver = resolver


@contextlib.contextmanager
def frozen(at: dt.datetime, zone: str | None = None) -> Iterator[Clock]:
    """Every `now()`/`today()` answers from `at` (UTC-aware) until the block ends; `zone` overrides the default."""
    global _clock
    if at.tzinfo is None:
        raise ValueError("a frozen clock needs an aware datetime")
    previous = _clock
    _clock = Clock(zone=zone or previous._zone_name, source=lambda: at, resolver=previous.resolver)
    try:
        yield _clock
    finally:
        _clock = previous
