"""A unit's predikat spread under PermenPANRB 6/2022 (issue 22 item 4): how many of the unit's employees got each
predikat in one evaluation period, counted from the rated periods recap keeps from skp's ``evaluasi_rated``
(table ``evaluasi_periodik``, one row per document and period). Counts only: an employee with two documents in the
period (a transfer within the unit) counts once, with the predikat of the latest-ending document.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from ekinerja.recap.v1 import recap_pb2 as pb
from ekinerja_platform.domain_errors import InvalidArgument
from recap.adapters import tables as t
from recap.application import policy

# SIASN code order (PermenPANRB 6/2022 §3)
PREDIKAT = ("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")
_PERIODE = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")


def check_periode(value: str) -> str:
    value = (value or "").strip()
    if not _PERIODE.match(value):
        raise InvalidArgument("periode harus berbentuk TTTT (tahunan), TTTT-Q1..Q4 (triwulan) atau TTTT-MM (bulanan)",
                              field="periode")
    return value


def unit_spread(session, unit_id: str, periode: str) -> dict[str, int]:
    """predikat -> number of employees of ``unit_id`` rated in ``periode`` (all five, zero included)."""
    e = t.evaluasi_periodik
    latest = (sa.select(e.c.nip, e.c.predikat)
              .where(e.c.unit_id == unit_id, e.c.periode == periode)
              .distinct(e.c.nip).order_by(e.c.nip, e.c.period_end.desc(), e.c.occurred_at.desc())).subquery()
    counts = dict(session.execute(sa.select(latest.c.predikat, sa.func.count())
                                  .group_by(latest.c.predikat)).all())
    return {p: int(counts.get(p, 0)) for p in PREDIKAT}


def get_unit_predikat_spread(db, call, request):
    principal = call.require_principal()
    unit_id = (request.unit_id or "").strip()
    if not unit_id:
        raise InvalidArgument("wajib diisi", field="unit_id")
    periode = check_periode(request.periode)
    with db.transaction() as session:
        policy.authorize("GetUnitPredikatSpread", principal, policy.Target(unit_id=unit_id), session)
        counts = unit_spread(session, unit_id, periode)
    return pb.GetUnitPredikatSpreadResponse(
        unit_id=unit_id, periode=periode, jumlah_pegawai=sum(counts.values()),
        jumlah=[pb.PredikatJumlah(predikat=p, kode_predikat=i, jumlah=counts[p]) for i, p in enumerate(PREDIKAT, 1)])
