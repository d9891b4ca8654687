"""What skp keeps of identity's events, on PostgreSQL (`application.ports.Directory`): positions, employees,
assignments (the yearly rollover's source)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from . import tables as t


class SqlDirectory(ports.Directory):
    def __init__(self, session):
        self.session = session

    def save_position(self, values):
        statement = pg_insert(t.positions).values(**values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["jabatan_id"], set_={k: statement.excluded[k] for k in values if k != "jabatan_id"},
            where=t.positions.c.version < statement.excluded.version))

    def save_employee(self, nip, nama, instansi_id, golongan):
        statement = pg_insert(t.employees).values(nip=nip, nama=nama, instansi_id=instansi_id, golongan=golongan)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["nip"], set_={"nama": statement.excluded.nama,
                                          "instansi_id": statement.excluded.instansi_id,
                                          "golongan": statement.excluded.golongan}))

    def assignment_version(self, assignment_id):
        return self.session.execute(sa.select(t.assignments.c.version).where(
            t.assignments.c.assignment_id == assignment_id).with_for_update()).scalar()

    def save_assignment(self, assignment_id, values):
        statement = pg_insert(t.assignments).values(assignment_id=assignment_id, **values)
        self.session.execute(statement.on_conflict_do_update(index_elements=["assignment_id"],
                                                             set_={k: statement.excluded[k] for k in values}))

    def to_roll_over(self, year, limit):
        """Safe on every replica at once: rows being handled elsewhere are skipped, and the unique keys on the
        documents (assignment + period start; employee + jabatan + period start) make a second draft a no-op."""
        year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        a, doc = t.assignments, t.documents
        has_document = sa.or_(
            sa.exists().where(doc.c.assignment_id == a.c.assignment_id,
                              doc.c.period_start.between(year_start, year_end)),
            sa.exists().where(doc.c.nip == a.c.nip, doc.c.jabatan_id == a.c.jabatan_id,
                              doc.c.period_start == sa.func.greatest(a.c.start_date, year_start)))
        rows = self.session.execute(
            sa.select(a.c.assignment_id, a.c.start_date, a.c.end_date, a.c.data)
            .where(a.c.jabatan_id.is_not(None), ~a.c.acting, a.c.data.is_not(None), a.c.start_date <= year_end,
                   sa.or_(a.c.end_date.is_(None), a.c.end_date >= year_start), ~has_document)
            .order_by(a.c.assignment_id).limit(limit).with_for_update(of=a, skip_locked=True)).all()
        return [ports.AssignmentState(r.assignment_id, r.start_date, r.end_date, r.data) for r in rows]
