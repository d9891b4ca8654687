"""The instansi settings on PostgreSQL (`application.ports.Settings`): one table per kind of setting, the shared
audit table, advisory locks, the finalised periods and the employees' predikat (predikat_repository.py)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from . import rhk_tables as rr_tables
from . import tables as t
from .predikat_repository import TablePredikatSource

# kind -> (table, value column, key column)
_KINDS = {"ruleset": (t.ruleset_settings, "ruleset", "tahun"),
          "siklus_evaluasi": (t.evaluation_cadence, "siklus", "tahun"),
          "predikat_organisasi": (t.predikat_organisasi, "predikat", "periode")}


class SqlSettings(ports.Settings):
    def __init__(self, session):
        self.session = session

    def _where(self, kind, instansi_id, key):
        table, value_column, key_column = _KINDS[kind]
        return table, value_column, key_column, (table.c.instansi_id == instansi_id, table.c[key_column] == key)

    def get(self, kind, instansi_id, key):
        table, value_column, _, where = self._where(kind, instansi_id, key)
        row = self.session.execute(sa.select(table).where(*where)).mappings().first()
        return None if row is None else ports.Setting(row[value_column], row["version"], row["updated_by"],
                                                      row["updated_at"])

    def lock(self, kind, instansi_id, key, value, actor):
        table, value_column, key_column, where = self._where(kind, instansi_id, key)
        self.session.execute(pg_insert(table).values(instansi_id=instansi_id, **{key_column: key},
                                                     **{value_column: value}, version=0, updated_by=actor)
                             .on_conflict_do_nothing())
        row = self.session.execute(sa.select(table).where(*where).with_for_update()).mappings().one()
        return ports.Setting(row[value_column], row["version"], row["updated_by"], row["updated_at"])

    def change(self, kind, instansi_id, key, value, version, actor):
        table, value_column, _, where = self._where(kind, instansi_id, key)
        self.session.execute(table.update().where(*where).values(
            **{value_column: value}, version=version, updated_by=actor, updated_at=sa.func.now()))

    def audit(self, kind, instansi_id, key, actor, old, new, reason):
        self.session.execute(t.setting_audit.insert().values(setting=kind, instansi_id=instansi_id, key=key,
                                                             actor=actor, old_value=old, new_value=new,
                                                             reason=reason))

    def history(self, kind, instansi_id, key):
        a = t.setting_audit
        rows = self.session.execute(sa.select(a).where(a.c.setting == kind, a.c.instansi_id == instansi_id,
                                                       a.c.key == key).order_by(a.c.id)).mappings()
        return [{"at": r["at"], "actor": r["actor"], "old_value": r["old_value"], "new_value": r["new_value"],
                 "reason": r["reason"]} for r in rows]

    def hold(self, name, *, shared):
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        self.session.execute(sa.text(f"SELECT {function}(hashtext(:key))"), {"key": name})

    def periodic_evaluations(self, instansi_id, tahun):
        e = rr_tables.evaluations
        return self.session.execute(sa.select(sa.func.count()).select_from(e).where(
            e.c.instansi_id == instansi_id, e.c.jenis_periode != "tahunan",
            e.c.period_start >= dt.date(tahun, 1, 1), e.c.period_start <= dt.date(tahun, 12, 31))).scalar_one()

    def finalisation(self, instansi_id, periode):
        row = self.session.execute(sa.select(t.distribusi_final).where(
            t.distribusi_final.c.instansi_id == instansi_id,
            t.distribusi_final.c.periode == periode)).mappings().first()
        return dict(row) if row else None

    def add_finalisation(self, values):
        self.session.execute(pg_insert(t.distribusi_final).values(**values).on_conflict_do_nothing())

    def predikat_of(self, instansi_id, periode):
        return TablePredikatSource().predikat_of(self.session, instansi_id, periode)
