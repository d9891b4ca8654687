"""SQL of the organisation (`application.ports.OrgStore`): instansi, units, positions, employees and assignments.
The employee and assignment writes are set-based (one `unnest` statement or one COPY per batch: the bulk import's
speed, DESIGN §7)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from .bulk import copy_rows, update_from_arrays
from .repository import AssignmentRow, OrgView, load_assignments, pegawai_row
from .tables import assignment, instansi, jabatan, pegawai, unit


class SqlOrgStore(ports.OrgStore):
    def __init__(self, session):
        self.session = session

    def lock_instansi(self, instansi_id):
        locked = sa.select(instansi.c.id).where(instansi.c.id == instansi_id).with_for_update()
        return self.session.execute(locked).first() is not None

    def whole_view(self, instansi_id, *, with_assignments=True):
        return OrgView.load(self.session, instansi_id, with_assignments=with_assignments)

    def scoped_view(self, instansi_id, **scope):
        return OrgView.load_scoped(self.session, instansi_id, **scope)

    def positions_held_by(self, nips):
        nips = list(nips)
        if not nips:
            return set()
        return set(self.session.execute(sa.select(assignment.c.jabatan_id).distinct()
                                        .where(assignment.c.nip.in_(nips))).scalars())

    def unit(self, unit_id):
        return self.session.execute(sa.select(unit).where(unit.c.id == unit_id)).first()

    def put_unit(self, instansi_id, unit_id, nama, parent_id):
        stmt = (pg_insert(unit).values(id=unit_id, instansi_id=instansi_id, nama=nama, parent_id=parent_id)
                .on_conflict_do_update(index_elements=["id"], set_={"nama": nama, "parent_id": parent_id,
                                                                    "updated_at": sa.func.now()})
                .returning(*unit.c))
        return self.session.execute(stmt).one()

    def jabatan(self, jabatan_id):
        return self.session.execute(sa.select(jabatan).where(jabatan.c.id == jabatan_id)).first()

    def put_jabatan(self, instansi_id, jabatan_id, values):
        stmt = (pg_insert(jabatan).values(id=jabatan_id, instansi_id=instansi_id, **values)
                .on_conflict_do_update(index_elements=["id"], set_={**values, "version": jabatan.c.version + 1,
                                                                    "updated_at": sa.func.now()})
                .returning(*jabatan.c))
        return self.session.execute(stmt).one()

    def pegawai_locked(self, nips):
        return {r.nip: r for r in self.session.execute(sa.select(pegawai).where(pegawai.c.nip.in_(nips))
                                                       .with_for_update())}

    def put_pegawai(self, instansi_id, rows, today):
        self.session.execute(sa.text(
            "INSERT INTO pegawai (nip, instansi_id, nama, golongan, status) "
            "SELECT v.nip, :instansi, v.nama, v.golongan, v.status FROM unnest(CAST(:nips AS text[]), "
            "CAST(:namas AS text[]), CAST(:golongans AS text[]), CAST(:statuses AS text[])) "
            "AS v(nip, nama, golongan, status) "
            "ON CONFLICT (nip) DO UPDATE SET nama = excluded.nama, golongan = excluded.golongan, "
            "status = excluded.status, updated_at = now(), "
            "status_since = CASE WHEN pegawai.status = excluded.status THEN pegawai.status_since ELSE :today END, "
            "status_until = CASE WHEN pegawai.status = excluded.status THEN pegawai.status_until END"),
            {"instansi": instansi_id, "today": today, "nips": [r["nip"] for r in rows],
             "namas": [r["nama"] for r in rows], "golongans": [r["golongan"] for r in rows],
             "statuses": [r["status"] for r in rows]})

    def assignment_versions(self, nips):
        return {r.nip: r.assignment_version for r in self.session.execute(
            sa.select(pegawai.c.nip, pegawai.c.assignment_version).where(pegawai.c.nip.in_(nips)))}

    def set_assignment_versions(self, versions):
        update_from_arrays(self.session, "UPDATE pegawai SET assignment_version = v.version "
                           "FROM unnest(CAST(:nips AS text[]), CAST(:versions AS bigint[])) AS v(nip, version) "
                           "WHERE pegawai.nip = v.nip", nips=list(versions), versions=list(versions.values()))

    def end_assignments(self, ends):
        update_from_arrays(self.session, 'UPDATE assignment SET "end" = v.end_date, updated_at = now() '
                           "FROM unnest(CAST(:ids AS uuid[]), CAST(:ends AS date[])) AS v(id, end_date) "
                           "WHERE assignment.id = v.id",
                           ids=[i for i, _ in ends], ends=[e for _, e in ends])

    def add_assignments(self, instansi_id, rows):
        copy_rows(self.session, "assignment", ["id", "nip", "jabatan_id", "instansi_id", "start", "acting"],
                  ((r.id, r.nip, r.jabatan_id, instansi_id, r.start, r.acting) for r in rows))

    def savepoint(self):
        return self.session.begin_nested()

    def instansi(self, instansi_id):
        return self.session.execute(sa.select(instansi).where(instansi.c.id == instansi_id)).first()

    def put_instansi(self, instansi_id, nama, kind):
        self.session.execute(pg_insert(instansi).values(id=instansi_id, nama=nama, kind=kind).on_conflict_do_update(
            index_elements=["id"], set_={"nama": nama, "kind": kind, "updated_at": sa.func.now()}))

    def instansi_after(self, after, limit):
        query = sa.select(instansi).order_by(instansi.c.id).limit(limit)
        if after:
            query = query.where(instansi.c.id > after)
        return self.session.execute(query).all()

    def lock_chains(self, instansi_id):
        self.session.execute(sa.select(instansi.c.id).where(instansi.c.id == instansi_id)
                             .with_for_update(key_share=True))

    def pegawai(self, nip, *, for_update=False):
        return pegawai_row(self.session, nip, for_update=for_update)

    def names(self, *, instansi_id=None, nips=()):
        where = pegawai.c.instansi_id == instansi_id if instansi_id is not None else pegawai.c.nip.in_(list(nips))
        return dict(self.session.execute(sa.select(pegawai.c.nip, pegawai.c.nama).where(where)).all())

    def pegawai_after(self, instansi_id, after, limit, *, unit_id="", on=None):
        query = sa.select(pegawai).where(pegawai.c.instansi_id == instansi_id)
        if unit_id:
            holders = (sa.select(assignment.c.nip).join(jabatan, jabatan.c.id == assignment.c.jabatan_id)
                       .where(jabatan.c.unit_id == unit_id, assignment.c.start <= on,
                              sa.or_(assignment.c.end.is_(None), assignment.c.end >= on)))
            query = query.where(pegawai.c.nip.in_(holders))
        total = self.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        rows = self.session.execute(query.where(pegawai.c.nip > after).order_by(pegawai.c.nip).limit(limit)).all()
        return rows, total

    def set_status(self, nip, status, since, until):
        self.session.execute(sa.update(pegawai).where(pegawai.c.nip == nip).values(
            status=status, status_since=since, status_until=until, updated_at=sa.func.now()))

    def assignments_of(self, nip):
        return load_assignments(self.session, nip)

    def assignment(self, assignment_id):
        r = self.session.execute(sa.select(assignment).where(assignment.c.id == assignment_id)).first()
        return AssignmentRow(r.id, r.nip, r.jabatan_id, r.start, r.end, r.acting) if r is not None else None

    def add_assignment(self, instansi_id, row):
        self.session.execute(sa.insert(assignment).values(id=row.id, nip=row.nip, jabatan_id=row.jabatan_id,
                                                          instansi_id=instansi_id, start=row.start, end=row.end,
                                                          acting=row.acting))

    def set_assignment_end(self, assignment_id, end):
        self.session.execute(sa.update(assignment).where(assignment.c.id == assignment_id)
                             .values(end=end, updated_at=sa.func.now()))

    def bump_version(self, nip):
        return self.session.execute(sa.update(pegawai).where(pegawai.c.nip == nip)
                                    .values(assignment_version=pegawai.c.assignment_version + 1)
                                    .returning(pegawai.c.assignment_version)).scalar_one()
