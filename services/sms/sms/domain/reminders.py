"""When reminders are due: the instansi's hour in its local time, on working days (not weekends, not holidays),
once per number and day."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_HOUR = 15
DEFAULT_TIMEZONE = "Asia/Jakarta"  # WIB


@dataclass(frozen=True)
class Schedule:
    hour: int = DEFAULT_HOUR
    timezone: str = DEFAULT_TIMEZONE

    def local(self, now: dt.datetime) -> dt.datetime:
        return now.astimezone(ZoneInfo(self.timezone))


def is_working_day(day: dt.date, holidays: set[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_date(now: dt.datetime, schedule: Schedule, holidays: set[dt.date]) -> dt.date | None:
    """The local date whose reminders are due at `now` (aware), or None: before the hour, weekend or holiday.
    After the hour the same day stays due, so a bridge that was down at the hour still sends (once: the log)."""
    local = schedule.local(now)
    if local.hour < schedule.hour or not is_working_day(local.date(), holidays):
        return None
    return local.date()


def validate_hour(hour: int) -> int:
    if not 0 <= hour <= 23:
        raise ValueError("jam harus 0-23")
    return hour
