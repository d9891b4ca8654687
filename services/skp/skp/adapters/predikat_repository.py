"""The employees' predikat per instansi and period (PermenPANRB 6/2022), over the table ``employee_predikat``.

The port the distribution curve reads (``application/curve.py:PredikatSource``). The periodic evaluation writes a
row when an evaluation is finalised (``record_predikat``); a re-finalised evaluation (a keberatan upheld, a retried
event) replaces the employee's row for that period, never adds a second one.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_rules.permenpanrb_6_2022.rules import Predikat

from ..domain import ruleset_setting as rs
from . import tables as t


def record_predikat(session, *, instansi_id: str, periode: str, nip: str, predikat: Predikat | str,
                    source: str, unit_id: str | None = None) -> None:
    """The employee's predikat of ``periode``, as finalised; idempotent (one row per instansi, period, employee)."""
    rs.check_periode(periode)
    values = dict(instansi_id=instansi_id, periode=periode, nip=nip, unit_id=unit_id,
                  predikat=Predikat(predikat).value, source=source)
    statement = pg_insert(t.employee_predikat).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["instansi_id", "periode", "nip"],
        set_={"predikat": statement.excluded.predikat, "unit_id": statement.excluded.unit_id,
              "source": statement.excluded.source, "recorded_at": sa.func.now()}))


class TablePredikatSource:
    """``PredikatSource`` over ``employee_predikat``."""

    def predikat_of(self, session, instansi_id: str, periode: str) -> list[Predikat]:
        rows = session.execute(sa.select(t.employee_predikat.c.predikat).where(
            t.employee_predikat.c.instansi_id == instansi_id, t.employee_predikat.c.periode == periode)).scalars()
        return [Predikat(value) for value in rows]
