"""recap's SQL repositories behind the application's ports (`application/ports.py`), besides the read port
(`queries_sql.SqlRecapReads`): relations for the policy table, closed months and their snapshots, holidays, and
the projection of events (whose statements stay in `intake.py` and `sql_store.py`)."""
from __future__ import annotations

import datetime as dt
import json
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from ..application import ports
from ..domain.lines import Line
from ..domain.periods import period_bounds
from ..domain.projection import COUNTERS
from . import intake, sql_store
from . import tables as t
from .queries_sql import unit_subtree


class SqlRelations(ports.Relations):
    def __init__(self, session):
        self.session = session

    def subordinates(self, penilai_nip, start, end):
        """From assignments (the penilai or a head up the chain) or SKP documents, on some day of [start, end]."""
        during = sa.and_(t.assignments.c.start_date <= end,
                         sa.or_(t.assignments.c.end_date.is_(None), t.assignments.c.end_date >= start))
        by_assignment = sa.select(t.assignments.c.nip).where(t.assignments.c.penilai_nip == penilai_nip, during)
        by_heads = sa.select(t.assignments.c.nip).where(
            t.assignments.c.heads.contains(sa.literal([penilai_nip], t.assignments.c.heads.type)), during)
        by_skp = sa.select(t.skps.c.nip).where(
            t.skps.c.penilai_nip == penilai_nip, t.skps.c.period_start <= end, t.skps.c.period_end >= start)
        return set(self.session.execute(sa.union(by_assignment, by_heads, by_skp)).scalars())

    def instansi_of_employee(self, nip):
        found = self.session.execute(sa.select(t.employees.c.instansi_id).where(t.employees.c.nip == nip)).scalar()
        if found:
            return found
        return self.session.execute(sa.select(t.assignments.c.instansi_id).where(t.assignments.c.nip == nip)
                                    .order_by(t.assignments.c.start_date.desc()).limit(1)).scalar()

    def instansi_of_unit(self, unit_id):
        """From identity's positions and assignments; else from the des events counted for the unit."""
        found = self.session.execute(sa.select(t.units.c.instansi_id).where(t.units.c.unit_id == unit_id)).scalar()
        if found:
            return found
        return self.session.execute(sa.select(t.employee_counters.c.instansi_id).where(
            t.employee_counters.c.unit_id == unit_id).limit(1)).scalar()


class SqlMonthCloses(ports.MonthCloses):
    def __init__(self, session):
        self.session = session

    def claim(self, instansi_id, tahun, bulan, closed_by, event_id):
        """ON CONFLICT DO NOTHING: a concurrent close waits for the first and then finds its row."""
        return self.session.execute(pg_insert(t.month_closes).values(
            instansi_id=instansi_id, tahun=tahun, bulan=bulan, closed_by=closed_by, event_id=uuid.UUID(event_id))
            .on_conflict_do_nothing().returning(t.month_closes.c.instansi_id)).first() is not None

    def get(self, instansi_id, tahun, bulan):
        row = self.session.execute(sa.select(t.month_closes.c.closed_at, t.month_closes.c.closed_by).where(
            t.month_closes.c.instansi_id == instansi_id, t.month_closes.c.tahun == tahun,
            t.month_closes.c.bulan == bulan)).first()
        return None if row is None else ports.CloseRecord(row.closed_at, row.closed_by)

    def save_rows(self, rows):
        if rows:
            self.session.execute(t.month_snapshot_rows.insert(), rows)

    def count_rows(self, instansi_id, tahun, bulan):
        table = t.month_snapshot_rows
        return self.session.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.instansi_id == instansi_id, table.c.tahun == tahun, table.c.bulan == bulan)).scalar()

    def lines(self, instansi_id, tahun, bulan, *, nip=None, units_below=None):
        table = t.month_snapshot_rows
        where = [table.c.tahun == tahun, table.c.bulan == bulan]
        if instansi_id is not None:
            where.append(table.c.instansi_id == instansi_id)
        if nip is not None:
            where.append(table.c.nip == nip)
        if units_below is not None:  # the unit and the units below it in that month, as the live recap
            start, end = period_bounds("month", dt.date(tahun, bulan, 1))
            where.append(table.c.unit_id.in_(unit_subtree(units_below, start, end)))
        return [_line(row) for row in self.session.execute(sa.select(table).where(*where)
                                                           .order_by(table.c.nip, table.c.unit_id))]


def _line(row) -> Line:
    line = Line(row.nip, nama=row.nama or "", unit_id=row.unit_id)
    line.counters = {name: getattr(row, name) for name in COUNTERS}
    line.achievement = row.achievement
    line.oldest_pending_days = row.oldest_pending_days
    return line


class SqlHolidays(ports.Holidays):
    def __init__(self, session):
        self.session = session

    def put(self, instansi_id, tanggal, nama, set_by):
        statement = pg_insert(t.holidays).values(instansi_id=instansi_id, tanggal=tanggal, nama=nama, set_by=set_by)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["instansi_id", "tanggal"],
            set_={"nama": statement.excluded.nama, "set_by": statement.excluded.set_by, "set_at": sa.func.now()}))

    def remove(self, instansi_id, tanggal):
        table = t.holidays
        return self.session.execute(table.delete().where(table.c.instansi_id == instansi_id,
                                                         table.c.tanggal == tanggal)).rowcount > 0

    def between(self, instansi_id, start, end):
        table = t.holidays
        return [ports.HolidayRow(r.tanggal, r.nama, r.instansi_id) for r in self.session.execute(
            sa.select(table.c.tanggal, table.c.nama, table.c.instansi_id).where(
                table.c.tanggal.between(start, end), table.c.instansi_id.in_(["", instansi_id]))
            .order_by(table.c.tanggal, table.c.instansi_id))]


_LOG = sa.text("INSERT INTO event_log (event_id, producer, event_type, envelope) "
               "VALUES (CAST(:event_id AS uuid), :producer, :event_type, CAST(:envelope AS jsonb)) "
               "ON CONFLICT (event_id) DO NOTHING")


class SqlProjection(ports.Projection):
    """On a session: the unit of work's, or for the batched intake one bound to its connection, made when a
    reference event first needs it."""

    def __init__(self, session_of):
        self._session_of = session_of

    @property
    def session(self) -> Session:
        return self._session_of()

    def log(self, envelope):
        self.session.execute(_LOG, {"event_id": str(envelope["event_id"]), "producer": envelope["producer"],
                                    "event_type": envelope["event_type"], "envelope": json.dumps(envelope)})

    def apply_des(self, envelope):
        intake.apply(self.session.connection(), envelope, consumer=None)

    def apply_reference(self, envelope):
        sql_store.REFERENCE_HANDLERS[envelope["event_type"]](self.session, envelope)

    def clear(self):
        """One transaction: no per-employee advisory locks piling up (`sql_store.REBUILDING`)."""
        self.session.info[sql_store.REBUILDING] = True
        self.session.execute(sa.text("LOCK TABLE event_log IN SHARE MODE"))
        self.session.execute(sa.text("TRUNCATE " + ", ".join(table.name for table in t.PROJECTION_TABLES)))

    def logged_after(self, seq, limit):
        return [(s, e) for s, e in self.session.execute(
            sa.select(t.event_log.c.seq, t.event_log.c.envelope)
            .where(t.event_log.c.seq > seq).order_by(t.event_log.c.seq).limit(limit)).all()]


class SqlIntake(ports.Intake):
    def __init__(self, connection_of):
        self._connection_of = connection_of

    def claim_many(self, envelopes):
        return intake.claim_many(self._connection_of(), envelopes)

    def apply_many(self, envelopes):
        intake.apply_many(self._connection_of(), envelopes)
