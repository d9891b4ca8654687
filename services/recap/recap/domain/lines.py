"""A recap line (an employee, a unit or a total) and how lines add up: the shape every recap view is made of,
whether read live from the counters or from a closed month's snapshot."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from . import achievement
from .projection import COUNTERS

ZERO_COUNTERS = {name: 0 for name in COUNTERS}


@dataclass
class Line:
    """One recap line (an employee, a unit or a total)."""

    key: str
    nama: str = ""
    unit_id: str = ""
    counters: dict = field(default_factory=lambda: dict(ZERO_COUNTERS))
    oldest_pending_days: int = 0
    achievement: Decimal | None = None
    employees: int = 0

    def add(self, row: Mapping) -> None:
        for name in COUNTERS:
            self.counters[name] += row[name] or 0


def total_of(lines: Iterable[Line], key: str = "total") -> Line:
    """The sum of `lines`' counters, their oldest pending age, the mean of their achievements and how many
    employees they are."""
    lines = list(lines)
    total = Line(key)
    for line in lines:
        total.add(line.counters)
        total.oldest_pending_days = max(total.oldest_pending_days, line.oldest_pending_days)
    total.achievement = achievement.mean(line.achievement for line in lines)
    total.employees = len({line.key for line in lines})
    return total
