"""des's unit of work on PostgreSQL: des's SQL repositories bound to a session.

`in_session(session)` is the unit over a transaction someone else opened and ends (the entrypoints'
`db.transaction()` and idempotent writes, `apply_once`, the use cases not converted yet): it records into that
transaction and never commits or rolls back itself, so a converted use case joins its caller's transaction.
"""
from __future__ import annotations

from ekinerja_platform import idempotency
from ekinerja_platform.outbox import claim_event, record_event

from ..application import handlers
from ..application.config import DesConfig, config
from ..application.ports import (
    DaySkp,
    DesUnitOfWork,
    KegiatanTotal,
    MonthlyTargets,
    MonthTarget,
    QuickEntries,
    TargetsDocument,
)
from ..domain.quick_entry import Kegiatan
from . import repository as repo
from .tables import skp_documents


class SqlMonthlyTargets(MonthlyTargets):
    def __init__(self, session):
        self.session = session

    def next_revision(self, nip: str, skp_id: str) -> TargetsDocument | None:
        doc = self.session.execute(
            skp_documents.update().where(skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id)
            .values(targets_revision=skp_documents.c.targets_revision + 1)
            .returning(skp_documents.c.instansi_id, skp_documents.c.period_start, skp_documents.c.period_end,
                       skp_documents.c.targets_revision)).first()
        if doc is None:
            return None
        return TargetsDocument(doc.instansi_id, doc.period_start, doc.period_end, int(doc.targets_revision))

    def kegiatan(self, nip: str, skp_id: str) -> list[KegiatanTotal]:
        rows = repo.kegiatan_rows(self.session, nip, skp_id)
        return [KegiatanTotal(k.kegiatan_id, k.satuan, k.kuantitas) for k in rows]

    def split(self, nip: str, skp_id: str) -> list[MonthTarget]:
        rows = repo.targets(self.session, nip, skp_id)
        return [MonthTarget(r.kegiatan_id, r.tahun, r.bulan, r.kuantitas) for r in rows]


class SqlQuickEntries(QuickEntries):
    def __init__(self, session, cfg: DesConfig):
        self.session = session
        self.cfg = cfg

    def skp_for_date(self, nip, tanggal) -> DaySkp | None:
        row = repo.skp_for_date(self.session, nip, tanggal)
        return None if row is None else DaySkp(row.skp_id, row.instansi_id, row.penilai_nip)

    def kegiatan(self, nip, skp_id) -> list[Kegiatan]:
        return repo.kegiatan_of(self.session, nip, skp_id)

    def savepoint(self):
        return self.session.begin_nested()

    def report(self, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan) -> str:
        view = handlers.submit_activity(self.session, principal, handlers.ActivityInput(
            tanggal=tanggal.isoformat(), jenis="skp", kegiatan_id=kegiatan_id, uraian=uraian,
            kuantitas=str(kuantitas), satuan=satuan), draft=False, cfg=self.cfg, source="text")
        return str(view["activity_id"])

    def plan(self, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan) -> str:
        plan = handlers.submit_plan(self.session, principal, tanggal.isoformat(), kegiatan_id, uraian,
                                    str(kuantitas), satuan, self.cfg)
        return str(plan["plan_id"])


class SessionUnitOfWork(DesUnitOfWork):
    """des's unit over a transaction the caller owns: changes and events go into it; the caller commits."""

    def __init__(self, session, cfg: DesConfig | None = None):
        self.session = session
        self.targets = SqlMonthlyTargets(session)
        self.quick = SqlQuickEntries(session, cfg or config())

    def __exit__(self, exc_type, exc, tb) -> None:
        """The owner of the transaction ends it."""

    def commit(self) -> None:
        raise RuntimeError("the caller's transaction is ended by the caller")

    def rollback(self) -> None:
        raise RuntimeError("the caller's transaction is ended by the caller")

    def record(self, event) -> None:
        record_event(self.session, event)

    def claim(self, key):
        return idempotency.claim(self.session, key)

    def store_answer(self, key, response: bytes) -> None:
        idempotency.store_answer(self.session, key, response)

    def claim_event(self, consumer: str, event_id: str) -> bool:
        return claim_event(self.session, consumer, event_id)


def in_session(session, cfg: DesConfig | None = None) -> SessionUnitOfWork:
    return SessionUnitOfWork(session, cfg)
