"""Periods a counter is kept for (day, ISO week, month, year) and working days."""
from __future__ import annotations

import datetime as dt
from calendar import monthrange

KINDS = ("day", "week", "month", "year")


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def period_key(kind: str, day: dt.date) -> str:
    if kind == "day":
        return day.isoformat()
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "year":
        return f"{day.year:04d}"
    raise ValueError(f"unknown period kind {kind!r}")


def period_keys(day: dt.date) -> list[tuple[str, str]]:
    return [(kind, period_key(kind, day)) for kind in KINDS]


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last date of the period of `kind` containing `day`."""
    if kind == "day":
        return day, day
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if kind == "month":
        return day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])
    if kind == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(f"unknown period kind {kind!r}")


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` calendar months before the one of `day` (0: its own)."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def days(start: dt.date, end: dt.date):
    current = start
    while current <= end:
        yield current
        current += dt.timedelta(days=1)


def working_days(start: dt.date, end: dt.date, holidays=frozenset()) -> list[dt.date]:
    """Monday to Friday, minus the holiday table."""
    return [d for d in days(start, end) if d.weekday() < 5 and d not in holidays]


def months_in(start: dt.date, end: dt.date) -> int:
    """Calendar months touched by [start, end] (an SKP period's months, for the even monthly split)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1
