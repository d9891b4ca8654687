"""SKP documents, their 6/2022 plans and evaluations on PostgreSQL (`application.ports.Documents`, `Plans`,
`Evaluations`): the ports over `repository.py`'s and `rhk_repository.py`'s queries."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from ..domain.document import RESULT_ISSUED
from . import repository as repo
from . import rhk_repository as rr
from . import tables as t
from .predikat_repository import record_predikat


class SqlDocuments(ports.Documents):
    def __init__(self, session):
        self.session = session

    def get(self, skp_id, *, lock=False):
        key = skp_id if isinstance(skp_id, uuid.UUID) else repo.parse_id(skp_id)
        return repo.get_document(self.session, key, lock=lock)

    def of_employee(self, nip, year=0):
        return repo.documents_of(self.session, nip, year)

    def update(self, skp_id, **values):
        repo.update_document(self.session, skp_id, **values)

    def add_audit(self, skp_id, actor, action, detail=None):
        repo.add_audit(self.session, skp_id, actor, action, detail)

    def audit_entries(self, skp_id, after_id=None, limit=None):
        return repo.audit_entries(self.session, skp_id, after_id, limit)

    def audit_dates(self, skp_id):
        return repo.audit_dates(self.session, skp_id)

    def heads_of(self, doc):
        return repo.heads_of(self.session, doc)

    def employee_instansi(self, nip):
        return repo.employee_instansi(self.session, nip)

    def person_on_forms(self, nip):
        return repo.person_on_forms(self.session, nip)

    def view(self, doc):
        return repo.view(self.session, doc)

    def active_kegiatan(self, skp_id):
        return repo.active_kegiatan(self.session, skp_id)

    def kegiatan_by_id(self, skp_id):
        return repo.kegiatan_by_id(self.session, skp_id)

    def replace_kegiatan(self, skp_id, targets):
        return repo.replace_kegiatan(self.session, skp_id, targets)

    def set_realisasi(self, kegiatan_id, waktu, biaya):
        repo.set_realisasi(self.session, kegiatan_id, waktu, biaya)

    def add_tugas_tambahan(self, skp_id, uraian, tanggal, actor):
        self.session.execute(t.tugas_tambahan.insert().values(id=uuid.uuid4(), skp_id=skp_id, uraian=uraian,
                                                              tanggal=tanggal, created_by=actor))

    def tugas_tambahan(self, skp_id):
        return repo.tugas_tambahan_of(self.session, skp_id)

    def realisation(self, skp_id):
        return repo.realisation(self.session, skp_id)

    def unrated_kegiatan(self, skp_id):
        return repo.unrated_kegiatan(self.session, skp_id)

    def expired_results(self, today, limit):
        return list(self.session.execute(sa.select(t.documents.c.skp_id).where(
            t.documents.c.result_status == RESULT_ISSUED, t.documents.c.keberatan_deadline < today)
            .limit(limit).with_for_update(skip_locked=True)).scalars().all())

    def open_of_employee(self, nip):
        return repo.open_documents_of(self.session, nip)

    def create(self, values):
        return self.session.execute(pg_insert(t.documents).values(**values).on_conflict_do_nothing()
                                    .returning(t.documents.c.skp_id)).first() is not None

    def insert_kegiatan(self, skp_id, targets):
        repo.insert_kegiatan(self.session, skp_id, targets)

    def set_target_amounts(self, kegiatan_id, amounts):
        repo.set_target_amounts(self.session, kegiatan_id, amounts)

    def upsert_activity(self, values):
        repo.upsert_activity(self.session, values)

    def upsert_monthly_kualitas(self, values):
        repo.upsert_monthly_kualitas(self.session, values)


class SqlPlans(ports.Plans):
    def __init__(self, session):
        self.session = session

    def get(self, skp_id):
        return rr.get_plan(self.session, skp_id)

    def save(self, skp_id, **values):
        rr.save_plan(self.session, skp_id, **values)

    def approved_rhk_of_atasan(self, atasan_nip, start, end, ruleset):
        return rr.approved_rhk_of_atasan(self.session, atasan_nip, start, end, ruleset)


class SqlEvaluations(ports.Evaluations):
    def __init__(self, session):
        self.session = session

    def get(self, skp_id, periode):
        return rr.get_evaluation(self.session, skp_id, periode)

    def of_document(self, skp_id):
        return rr.evaluations_of(self.session, skp_id)

    def save(self, doc, periode, bulan, **values):
        rr.save_evaluation(self.session, doc, periode, bulan, **values)

    def add_feedback(self, skp_id, periode, penilai_nip, item):
        return rr.add_feedback(self.session, skp_id, periode, penilai_nip, item)

    def feedback(self, skp_id, periode=None):
        return rr.feedback_of(self.session, skp_id, periode)

    def des_realisasi(self, skp_id, iki_id, start, end):
        return rr.des_realisasi(self.session, skp_id, iki_id, start, end)

    def jenjang_of_position(self, jabatan_id):
        return rr.jenjang_of_position(self.session, jabatan_id)

    def record_predikat(self, instansi_id, periode, nip, predikat, unit_id):
        record_predikat(self.session, instansi_id=instansi_id, periode=periode, nip=nip, predikat=predikat,
                        source="evaluasi", unit_id=unit_id)
