"""Percentages of target. Exact decimals; rounded half-up to 2 places only for transport.

The monthly target of a kegiatan is des's monthly target (its split and adjustments arrive in `monthly_targets_set`,
DOMAIN §0.14), never the yearly target / 12. An employee's achievement is the mean over the kegiatan of
realised / target × 100, the way nilai capaian averages its kegiatan; a kegiatan whose month target is 0 (or not
known yet) has no percentage: its line says so (`kegiatan_status`) instead of showing 1,200 %.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .periods import parse_date

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Target:
    skp_id: str
    kegiatan_id: str
    kuantitas: Decimal
    period_start: dt.date
    period_end: dt.date
    months: dict = field(default_factory=dict, compare=False)  # {(tahun, bulan): des's month target}

    def covers_month(self, year: int, month: int) -> bool:
        first = dt.date(year, month, 1)
        return (self.period_start.year, self.period_start.month) <= (year, month) <= \
            (self.period_end.year, self.period_end.month) and first <= self.period_end

    def monthly(self, year: int, month: int) -> Decimal | None:
        """des's target for the month; None until des's split is known."""
        return self.months.get((year, month))


TARGET_ZERO = "target_zero"   # the month's target is 0 but work was reported: shown plainly, no percentage
NO_TARGET = "no_target"       # no month target known (not an SKP kegiatan, or des's split not received yet)


def kegiatan_status(target: Decimal | None, reported: Decimal, recognised: Decimal) -> str:
    """What a kegiatan line's percentage cannot say by itself ("" when the percentage is meaningful)."""
    if target is None:
        return NO_TARGET
    if target == 0 and (reported or recognised):
        return TARGET_ZERO
    return ""


def target_from(skp_id: str, kegiatan: dict, period_start, period_end) -> Target:
    return Target(str(skp_id), str(kegiatan["kegiatan_id"]), Decimal(str(kegiatan.get("kuantitas") or 0)),
                  parse_date(period_start), parse_date(period_end))


def pct(realised: Decimal, target: Decimal | None) -> Decimal | None:
    if not target:
        return None
    return Decimal(realised) / target * HUNDRED


def mean(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values)


def monthly_achievement(targets: list[Target], realised: dict[tuple[str, str], Decimal], year: int,
                        month: int) -> Decimal | None:
    """realised: {(skp_id, kegiatan_id): recognised quantity in that month}."""
    return mean(pct(realised.get((t.skp_id, t.kegiatan_id), Decimal(0)), t.monthly(year, month))
                for t in targets if t.covers_month(year, month))


def yearly_achievement(targets: list[Target], realised_final: dict[tuple[str, str], Decimal],
                       year: int) -> Decimal | None:
    """realised_final: {(skp_id, kegiatan_id): recognised quantity in the year without `proses` entries}."""
    return mean(pct(realised_final.get((t.skp_id, t.kegiatan_id), Decimal(0)), t.kuantitas)
                for t in targets if t.period_start.year <= year <= t.period_end.year)


def show(value: Decimal | None) -> str:
    return "" if value is None else str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
