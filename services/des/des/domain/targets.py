"""Monthly targets (DOMAIN §0.14): a kegiatan's yearly quantity split over the months of the SKP period.

The suggestion is an even split in the quantum of the yearly value (whole units for whole targets, else its
decimals), the remainder going one quantum at a time to the first months. Any adjustment must still add up to
the yearly target exactly.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_platform.domain_errors import InvalidArgument


def months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(tahun, bulan) of every month the period touches, in order."""
    if end < start:
        raise InvalidArgument("period_end is before period_start", field="period_end")
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def split_evenly(total: Decimal, months: list[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    if total < 0:
        raise InvalidArgument("a yearly target cannot be negative", field="kuantitas")
    exponent = min(total.as_tuple().exponent, 0)
    quantum = Decimal(1).scaleb(exponent)
    units = int(total / quantum)
    base, extra = divmod(units, len(months))
    return {month: (base + (1 if i < extra else 0)) * quantum for i, month in enumerate(months)}


def check_adjustment(total: Decimal, months: list[tuple[int, int]],
                     proposed: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
    """Validate a full set of monthly targets for one kegiatan; returns it, or raises naming the problem."""
    unknown = sorted(set(proposed) - set(months))
    if unknown:
        y, m = unknown[0]
        raise InvalidArgument(f"{y:04d}-{m:02d} is outside the SKP period", field="targets.bulan")
    missing = [k for k in months if k not in proposed]
    if missing:
        y, m = missing[0]
        raise InvalidArgument(f"every month of the period needs a target; {y:04d}-{m:02d} is missing",
                              field="targets")
    for value in proposed.values():
        if not value.is_finite() or value < 0:
            raise InvalidArgument("a monthly target cannot be negative", field="targets.kuantitas")
    given = sum(proposed.values(), Decimal(0))
    if given != total:
        raise InvalidArgument(f"monthly targets add up to {given}, the yearly target is {total}", field="targets")
    return dict(proposed)
