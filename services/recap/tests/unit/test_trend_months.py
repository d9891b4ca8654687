"""The trend advice compares an employee's month with the two calendar months before it (recommendations._series):
stepping back 31 and 62 days skipped a month (June gave March, May, June). Checked failing on the old arithmetic."""
import datetime as dt
from decimal import Decimal

import pytest

from recap.application import recommendations
from recap.domain.periods import month_start

pytestmark = pytest.mark.unit


class MonthsAsked:
    def __init__(self):
        self.days: list[dt.date] = []

    def achievements(self, nips, kind, day):
        assert kind == "month"
        self.days.append(day)
        return {nip: Decimal(day.month) for nip in nips}


@pytest.mark.parametrize("day, expected", [
    (dt.date(2024, 6, 15), [(2024, 4), (2024, 5), (2024, 6)]),
    (dt.date(2024, 3, 31), [(2024, 1), (2024, 2), (2024, 3)]),
    (dt.date(2025, 3, 1), [(2025, 1), (2025, 2), (2025, 3)]),
    (dt.date(2024, 1, 10), [(2023, 11), (2023, 12), (2024, 1)]),
    (dt.date(2024, 12, 31), [(2024, 10), (2024, 11), (2024, 12)]),
])
def test_the_series_is_the_month_and_the_two_calendar_months_before_it(day, expected):
    reads = MonthsAsked()
    series = recommendations._series(reads, ["n1"], day)
    assert [(d.year, d.month, d.day) for d in reads.days] == [(y, m, 1) for y, m in expected]
    assert series == {"n1": [Decimal(m) for _, m in expected]}


def test_month_start_steps_calendar_months():
    assert month_start(dt.date(2024, 5, 31)) == dt.date(2024, 5, 1)
    assert month_start(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 1)
    assert month_start(dt.date(2024, 1, 31), 13) == dt.date(2022, 12, 1)
