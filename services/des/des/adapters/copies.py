"""SQL repositories of des's copies of other services' data (skp's documents and their monthly split, identity's
employees), implementing `application/ports.py` on the session of a unit of work."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from . import activity_store
from . import repository as repo
from .tables import activities, employees, monthly_targets, skp_documents, skp_kegiatan

WAITING = ("draft", "submitted", "revision_requested", "resubmitted")


class SqlMonthlyTargets(ports.MonthlyTargets):
    def __init__(self, session):
        self.session = session

    def next_revision(self, nip, skp_id):
        doc = self.session.execute(
            skp_documents.update().where(skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id)
            .values(targets_revision=skp_documents.c.targets_revision + 1)
            .returning(skp_documents.c.instansi_id, skp_documents.c.period_start, skp_documents.c.period_end,
                       skp_documents.c.targets_revision)).first()
        if doc is None:
            return None
        return ports.TargetsDocument(doc.instansi_id, doc.period_start, doc.period_end, int(doc.targets_revision))

    def kegiatan(self, nip, skp_id):
        rows = repo.kegiatan_rows(self.session, nip, skp_id)
        return [ports.KegiatanTotal(k.kegiatan_id, k.satuan, k.kuantitas) for k in rows]

    def split(self, nip, skp_id):
        rows = repo.targets(self.session, nip, skp_id)
        return [ports.MonthTarget(r.kegiatan_id, r.tahun, r.bulan, r.kuantitas) for r in rows]

    def of_kegiatan(self, nip, skp_id, kegiatan_id):
        c = monthly_targets.c
        return {(r.tahun, r.bulan): r.kuantitas for r in self.session.execute(sa.select(monthly_targets).where(
            c.nip == nip, c.skp_id == skp_id, c.kegiatan_id == kegiatan_id))}

    def set(self, nip, skp_id, kegiatan_id, values, actor):
        repo.upsert_targets(self.session, nip, skp_id, kegiatan_id, values, actor)

    def document(self, nip, skp_id):
        return _header(repo.skp_by_id(self.session, nip, skp_id))

    def covering(self, nip, tanggal):
        return _header(repo.skp_for_date(self.session, nip, tanggal))

    def rows(self, nip, skp_id):
        return [_target(r) for r in repo.targets(self.session, nip, skp_id)]

    def month_for_update(self, nip, skp_id, kegiatan_id, tahun, bulan):
        row = self.session.execute(sa.select(monthly_targets.c.kualitas).where(*repo.target_key(
            nip, skp_id, kegiatan_id, tahun, bulan)).with_for_update()).first()
        if row is None:
            return None
        return next((r for r in self.rows(nip, skp_id) if (r.kegiatan_id, r.tahun, r.bulan) == (kegiatan_id, tahun,
                                                                                                  bulan)), None)

    def set_quality(self, nip, skp_id, kegiatan_id, tahun, bulan, kualitas, actor):
        self.session.execute(monthly_targets.update().where(*repo.target_key(
            nip, skp_id, kegiatan_id, tahun, bulan)).values(kualitas=kualitas, updated_by=actor,
                                                            updated_at=sa.func.now()))


def _header(row) -> ports.SkpHeader | None:
    if row is None:
        return None
    return ports.SkpHeader(row.skp_id, row.instansi_id, row.penilai_nip, row.period_start, row.period_end, row.ruleset)


def _target(r) -> ports.TargetRow:
    return ports.TargetRow(r.skp_id, r.kegiatan_id, r.nomor, r.nama, r.satuan, r.tahun, r.bulan, r.kuantitas,
                           r.kualitas)


class SqlSkpCopies(ports.SkpCopies):
    def __init__(self, session):
        self.session = session

    def version(self, nip, skp_id):
        return self.session.execute(sa.select(skp_documents.c.version).where(
            skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id).with_for_update()).scalar()

    def save(self, nip, skp_id, document):
        doc = dict(instansi_id=document.instansi_id, unit_id=document.unit_id, jabatan_id=document.jabatan_id,
                   period_start=document.period_start, period_end=document.period_end,
                   penilai_nip=document.penilai_nip, atasan_penilai_nip=document.atasan_penilai_nip,
                   version=document.version, closed=False)
        if document.ruleset is not None:
            doc["ruleset"] = document.ruleset
        stmt = pg_insert(skp_documents).values(nip=nip, skp_id=skp_id, **doc)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["nip", "skp_id"],
                                                        set_={**doc, "updated_at": sa.func.now()}))

    def save_kegiatan(self, nip, skp_id, kegiatan_id, *, nomor, nama, satuan, kuantitas, rhk_id=None):
        values = dict(nomor=nomor, nama=nama, satuan=satuan, kuantitas=kuantitas)
        if rhk_id is not None:
            values["rhk_id"] = rhk_id
        stmt = pg_insert(skp_kegiatan).values(nip=nip, skp_id=skp_id, kegiatan_id=kegiatan_id, **values)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["nip", "skp_id", "kegiatan_id"],
                                                        set_=values))

    def drop_kegiatan(self, nip, skp_id, kegiatan_ids):
        self.session.execute(monthly_targets.delete().where(
            monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id,
            monthly_targets.c.kegiatan_id.in_(kegiatan_ids)))
        self.session.execute(skp_kegiatan.delete().where(
            skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id, skp_kegiatan.c.kegiatan_id.in_(kegiatan_ids)))

    def keep_only_kegiatan(self, nip, skp_id, kegiatan_ids):
        self.session.execute(skp_kegiatan.delete().where(
            skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id,
            skp_kegiatan.c.kegiatan_id.not_in(kegiatan_ids or [""])))

    def set_kegiatan_total(self, nip, skp_id, kegiatan_id, kuantitas):
        self.session.execute(skp_kegiatan.update().where(
            skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id, skp_kegiatan.c.kegiatan_id == kegiatan_id)
            .values(kuantitas=kuantitas))

    def close(self, nip, skp_id, period_end):
        values: dict = {"closed": True}
        if period_end is not None:
            values["period_end"] = period_end
            self.session.execute(monthly_targets.delete().where(
                monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id,
                sa.tuple_(monthly_targets.c.tahun, monthly_targets.c.bulan)
                > sa.tuple_(period_end.year, period_end.month)))
        found = self.session.execute(
            skp_documents.update().where(skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id)
            .values(**values).returning(skp_documents.c.period_start, skp_documents.c.period_end,
                                        skp_documents.c.ruleset)).first()
        return None if found is None else ports.ClosedDocument(found.period_start, found.period_end, found.ruleset)

    def follow_penilai(self, nip, skp_id, penilai_nip):
        self.session.execute(activities.update().where(
            activities.c.nip == nip, activities.c.skp_id == skp_id, activities.c.state.in_(WAITING),
            activities.c.penilai_nip.is_distinct_from(penilai_nip)).values(penilai_nip=penilai_nip))

    def audit(self, nip, entity, entity_id, action, actor, after):
        repo.audit(self.session, nip, entity, entity_id, action, actor, None, after)

    def forget_context(self, nip):
        activity_store.contexts.forget(nip)


class SqlEmployees(ports.Employees):
    def __init__(self, session):
        self.session = session

    def registered(self, nip, nama, instansi_id, status):
        stmt = pg_insert(employees).values(nip=nip, nama=nama, instansi_id=instansi_id, status=status)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["nip"], set_={
            "nama": sa.func.coalesce(stmt.excluded.nama, employees.c.nama), "instansi_id": stmt.excluded.instansi_id,
            "status": stmt.excluded.status, "updated_at": sa.func.now()}))

    def status_changed(self, nip, instansi_id, status):
        stmt = pg_insert(employees).values(nip=nip, instansi_id=instansi_id, status=status)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["nip"], set_={
            "status": stmt.excluded.status, "updated_at": sa.func.now()}))

    def assigned(self, nip, version, assignment):
        values = dict(instansi_id=assignment.instansi_id, unit_id=assignment.unit_id,
                      jabatan_id=assignment.jabatan_id, penilai_nip=assignment.penilai_nip, heads=assignment.heads,
                      assignment_version=version)
        stmt = pg_insert(employees).values(nip=nip, **values)
        self.session.execute(stmt.on_conflict_do_update(
            index_elements=["nip"], set_={**values, "updated_at": sa.func.now()},
            where=employees.c.assignment_version < version))
