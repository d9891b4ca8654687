"""The rules of `make run`'s demo history (des/demo.py) that need no database: the calendar and how a month's
target is spread over the days, which must add up and stay the same on every machine."""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from decimal import Decimal

import pytest

from des.demo import History, month_end, month_start, roll, working_days

pytestmark = pytest.mark.unit
K = namedtuple("K", "skp_id kegiatan_id nomor nama satuan kuantitas")


def test_calendar():
    assert month_start(dt.date(2026, 1, 15), 2) == dt.date(2025, 11, 1)
    assert month_end(dt.date(2024, 2, 10)) == dt.date(2024, 2, 29)
    days = working_days(dt.date(2026, 12, 1), dt.date(2026, 12, 7))
    assert [d.day for d in days] == [1, 2, 3, 4, 7] and all(d.weekday() < 5 for d in days)


def test_a_months_target_is_spread_over_the_days_and_adds_up_to_its_share():
    history = History.__new__(History)
    kegiatan = [K("s", "k1", 1, "Mengajar", "jam tatap muka", Decimal("72.00")),
                K("s", "k2", 2, "Menyusun RPP", "dokumen", Decimal("0.17")),
                K("s", "k3", 3, "Evaluasi", "laporan", Decimal("0.50"))]
    first = dt.date(2026, 11, 1)
    days = working_days(first, month_end(first))
    plan = history.spread(history_employee("199009212015091021"), first, kegiatan, days)
    for k in kegiatan:
        share = (k.kuantitas * Decimal(88 + roll("199009212015091021", first, k.nomor) % 20) / 100)
        given = sum(q for day in plan for item, q in plan[day] if item is k)
        assert given == share.quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        assert all(q > 0 and q == q.quantize(Decimal("0.01")) for day in plan for item, q in plan[day] if item is k)
    assert plan == history.spread(history_employee("199009212015091021"), first, kegiatan, days)  # deterministic
    assert set(plan) == set(days) and all(len(items) == 1 for items in plan.values())   # a report every day
    evaluasi = [q for items in plan.values() for item, q in items if item.nomor == 3]
    assert len(evaluasi) == 1 and evaluasi[0] < 1      # under one laporan: one entry, not 0.02 a day
    mengajar = [q for items in plan.values() for item, q in items if item.nomor == 1]
    assert all(q == q.to_integral_value() for q in mengajar[:-1])   # whole jam tatap muka, the fraction last


def test_portions_add_up_exactly():
    days = working_days(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    for total in (Decimal("0.05"), Decimal("0.99"), Decimal("1.00"), Decimal("3.57"), Decimal("63.36")):
        for whole in (True, False):
            portions = History.portions(total, days, whole)
            assert sum(q for _d, q in portions) == total and all(q > 0 for _d, q in portions)


def history_employee(nip):
    from des.demo import Employee
    return Employee(nip, "198908202014082020", "KAB-DEMO")
