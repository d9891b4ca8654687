"""`Relations` and `AuditTrail` on PostgreSQL, over a session or an autocommit connection (GetDay's reads)."""
from __future__ import annotations

from ..application.ports import AuditRecord, AuditTrail, DaySkp, Relations
from . import repository as repo


class SqlRelations(Relations):
    def __init__(self, session):
        self.session = session

    def skp_for_date(self, nip, tanggal) -> DaySkp | None:
        row = repo.skp_for_date(self.session, nip, tanggal)
        return None if row is None else DaySkp(row.skp_id, row.instansi_id, row.penilai_nip)

    def instansi_of(self, nip) -> str | None:
        return repo.employee_instansi(self.session, nip)

    def heads_of(self, nip) -> frozenset[str]:
        return repo.heads_of(self.session, nip)


class SqlAuditTrail(AuditTrail):
    def __init__(self, session):
        self.session = session

    def record(self, nip, entity, entity_id, action, actor, before, after, reason=None) -> None:
        repo.audit(self.session, nip, entity, entity_id, action, actor, before, after, reason)

    def trail(self, nip, entity_id, after=None, limit=None) -> list[AuditRecord]:
        return [AuditRecord(r.audit_id, r.entity, r.entity_id, r.action, r.actor, r.at, r.before, r.after, r.reason)
                for r in repo.audit_records(self.session, nip, entity_id, after, limit)]
