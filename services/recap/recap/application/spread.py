"""A unit's predikat spread under PermenPANRB 6/2022 (issue 22 item 4): how many of the unit's employees got each
predikat in one evaluation period, counted from the rated periods recap keeps from skp's ``evaluasi_rated``
(one row per document and period). Counts only: an employee with two documents in the period (a transfer within
the unit) counts once, with the predikat of the latest-ending document.
"""
from __future__ import annotations

import re

from ekinerja_platform.domain_errors import InvalidArgument

from . import policy
from .ports import RecapUnitOfWork

# SIASN code order (PermenPANRB 6/2022 §3)
PREDIKAT = ("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")
_PERIODE = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")


def check_periode(value: str) -> str:
    value = (value or "").strip()
    if not _PERIODE.match(value):
        raise InvalidArgument("periode harus berbentuk TTTT (tahunan), TTTT-Q1..Q4 (triwulan) atau TTTT-MM (bulanan)",
                              field="periode")
    return value


def unit_predikat_spread(uow: RecapUnitOfWork, principal, unit_id: str, periode: str) -> tuple[str, str, dict]:
    """(unit_id, periode, {predikat: employees}) with all five predikat, in SIASN order, zero included."""
    unit_id = (unit_id or "").strip()
    if not unit_id:
        raise InvalidArgument("wajib diisi", field="unit_id")
    periode = check_periode(periode)
    policy.authorize("GetUnitPredikatSpread", principal, policy.Target(unit_id=unit_id), uow.relations)
    counts = uow.reads.predikat_counts(unit_id, periode)
    return unit_id, periode, {p: int(counts.get(p, 0)) for p in PREDIKAT}
