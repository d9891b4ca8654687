"""Percentages of target. Exact decimals; rounded half-up to 2 places only for transport.

The monthly target of a kegiatan is its SKP quantity split evenly over the months of the SKP period (DOMAIN §0.14's
suggested split; des's hand-adjusted monthly targets are not published as events). An employee's achievement is the
mean over the kegiatan of realised / target × 100, the way nilai capaian averages its kegiatan.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .periods import months_in, parse_date

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Target:
    skp_id: str
    kegiatan_id: str
    kuantitas: Decimal
    period_start: dt.date
    period_end: dt.date

    def covers_month(self, year: int, month: int) -> bool:
        first = dt.date(year, month, 1)
        return (self.period_start.year, self.period_start.month) <= (year, month) <= \
            (self.period_end.year, self.period_end.month) and first <= self.period_end

    def monthly(self) -> Decimal:
        return self.kuantitas / months_in(self.period_start, self.period_end)


def target_from(skp_id: str, kegiatan: dict, period_start, period_end) -> Target:
    return Target(str(skp_id), str(kegiatan["kegiatan_id"]), Decimal(str(kegiatan.get("kuantitas") or 0)),
                  parse_date(period_start), parse_date(period_end))


def pct(realised: Decimal, target: Decimal) -> Decimal | None:
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
    return mean(pct(realised.get((t.skp_id, t.kegiatan_id), Decimal(0)), t.monthly())
                for t in targets if t.covers_month(year, month))


def yearly_achievement(targets: list[Target], realised_final: dict[tuple[str, str], Decimal],
                       year: int) -> Decimal | None:
    """realised_final: {(skp_id, kegiatan_id): recognised quantity in the year without `proses` entries}."""
    return mean(pct(realised_final.get((t.skp_id, t.kegiatan_id), Decimal(0)), t.kuantitas)
                for t in targets if t.period_start.year <= year <= t.period_end.year)


def show(value: Decimal | None) -> str:
    return "" if value is None else str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
