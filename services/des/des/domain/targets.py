"""Monthly targets (DOMAIN §0.14): a kegiatan's yearly quantity split over the months of the SKP period.

Targets are kept at the SKP kuantitas scale (`SCALE`, 3 decimals) and always add up to the yearly target exactly.
The suggested split is even in the quantum of the yearly value (whole units for a whole target, else its
decimals, at most 3; at 3 decimals when there are fewer such units than months); the remainder goes one quantum
at a time to the LAST months, so no early month is asked for more than a later one. A hand adjustment that does
not add up is refused with the difference named. Months of the year outside the SKP period (before a move, after
a close) have target 0 (`full_years`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_platform.domain_errors import InvalidArgument

SCALE = Decimal("0.001")
ZERO = Decimal(0)


def months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(tahun, bulan) of every month the period touches, in order."""
    if end < start:
        raise InvalidArgument("akhir periode sebelum awal periode", field="period_end")
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def full_years(months: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every month of the calendar years the months fall in (January of the first to December of the last)."""
    if not months:
        return []
    return [(y, m) for y in range(months[0][0], months[-1][0] + 1) for m in range(1, 13)]


def show(value: Decimal) -> str:
    """A quantity as people read it in Indonesian: decimal comma, no trailing zeros (0,001; 12; 2,5)."""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def at_scale(value: Decimal, field: str) -> Decimal:
    """`value` with at most 3 decimals, exactly; more decimals are refused (nothing is rounded away)."""
    if not value.is_finite():
        raise InvalidArgument("bukan angka", field=field)
    scaled = value.quantize(SCALE)
    if scaled != value:
        raise InvalidArgument(f"{show(value)} punya lebih dari 3 angka desimal", field=field)
    return scaled


def split_evenly(total: Decimal, months: list[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    if total < 0:
        raise InvalidArgument("target tahunan tidak boleh negatif", field="kuantitas")
    total = at_scale(Decimal(total), "kuantitas")
    significant = total.normalize().as_tuple().exponent
    if not isinstance(significant, int):  # 'n'/'N'/'F' (NaN, Infinity): at_scale has refused them already
        raise InvalidArgument("bukan angka", field="kuantitas")
    exponent = max(min(significant, 0), -3)  # -3: SCALE's exponent (0.001)
    quantum = Decimal(1).scaleb(exponent)
    if total and int(total / quantum) < len(months):
        quantum = SCALE  # fewer units than months: every month still gets its share, at 3 decimals
    units = int(total / quantum)
    base, extra = divmod(units, len(months))
    first_extra = len(months) - extra
    return {month: ((base + (1 if i >= first_extra else 0)) * quantum).quantize(SCALE)
            for i, month in enumerate(months)}


def check_adjustment(total: Decimal, months: list[tuple[int, int]],
                     proposed: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
    """Validate a full set of monthly targets for one kegiatan; returns it at SCALE, or raises naming the problem."""
    unknown = sorted(set(proposed) - set(months))
    if unknown:
        y, m = unknown[0]
        raise InvalidArgument(f"{y:04d}-{m:02d} di luar periode SKP", field="targets.bulan")
    missing = [k for k in months if k not in proposed]
    if missing:
        y, m = missing[0]
        raise InvalidArgument(f"setiap bulan periode SKP perlu target; {y:04d}-{m:02d} belum ada", field="targets")
    scaled = {}
    for month, value in proposed.items():
        if not value.is_finite() or value < 0:
            raise InvalidArgument("target bulanan tidak boleh negatif", field="targets.kuantitas")
        scaled[month] = at_scale(value, "targets.kuantitas")
    given = sum(scaled.values(), ZERO)
    if given != total:
        side = "kurang" if given < total else "lebih"
        raise InvalidArgument(f"jumlah target bulanan {show(given)} tidak sama dengan target tahunan {show(total)}: "
                              f"selisih {show(abs(total - given))} ({side})", field="targets")
    return scaled


def fit_served(served_total: Decimal, current: dict[tuple[int, int], Decimal],
               months: list[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """The served months' targets after skp prorated a closed document's yearly target to ``served_total``
    (docs/adr/002): they add up to it exactly. The split agreed so far is kept where it fits; the difference goes to
    the last served month, or, when the months hold more than was served, is taken from the last months backwards
    (never below 0). A month without a value counts as 0; with no value at all the suggestion is made again."""
    total = at_scale(Decimal(served_total), "kuantitas")
    values = {month: Decimal(current.get(month, ZERO)).quantize(SCALE) for month in months}
    if not months:
        return {}
    if not any(values.values()):
        return split_evenly(total, months)
    difference = total - sum(values.values(), ZERO)
    if difference >= 0:
        values[months[-1]] += difference
        return values
    for month in reversed(months):
        taken = min(values[month], -difference)
        values[month] -= taken
        difference += taken
        if difference == 0:
            break
    return values
