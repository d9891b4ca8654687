"""When an activity may be entered (DOMAIN §0.16): never in the future; a month's activities until day N of the
next month (N configurable per instansi, default 5); and only inside the SKP period it serves.
"""
from __future__ import annotations

import datetime as dt

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument

DEFAULT_WINDOW_DAYS = 5


def last_entry_day(tanggal: dt.date, window_days: int) -> dt.date:
    """The last day on which an activity dated `tanggal` may still be entered or changed by the employee."""
    first_next = (tanggal.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if window_days == 0:
        return first_next - dt.timedelta(days=1)
    return first_next + dt.timedelta(days=window_days - 1)


def check_entry_date(tanggal: dt.date, today: dt.date, window_days: int) -> None:
    if tanggal > today:
        raise InvalidArgument(f"{tanggal.isoformat()} is in the future; activities are reported on or after the day",
                              field="tanggal")
    deadline = last_entry_day(tanggal, window_days)
    if today > deadline:
        raise FailedPrecondition(
            f"the entry window for {tanggal:%Y-%m} closed on {deadline.isoformat()} "
            f"(day {window_days} of the next month for this instansi)", field="tanggal")


def check_plan_date(tanggal: dt.date, today: dt.date) -> None:
    """A plan is stated before the working day: today or a later day, at most 31 days ahead."""
    if tanggal < today:
        raise InvalidArgument(f"{tanggal.isoformat()} is past; a plan is made before the working day",
                              field="tanggal")
    if (tanggal - today).days > 31:
        raise InvalidArgument("a plan can be made at most 31 days ahead", field="tanggal")


def check_window_setting(days: int) -> int:
    if not 0 <= days <= 28:
        raise InvalidArgument("must be between 0 and 28 days into the next month", field="window_days")
    return days
