"""`Reports` on PostgreSQL: a unit's new report written as SubmitActivity writes it (activity_store.py, on the
session's own connection), the activities and evidence_files tables, the month's totals and targets (GetDay)."""
from __future__ import annotations

from .. import metrics
from ..application.ports import Entry, EvidenceFile, Reports
from . import activity_store
from . import repository as repo
from .copies import _target


def _raw_cursor(session):
    return session.connection().connection.dbapi_connection.cursor()


class SqlReports(Reports):
    def __init__(self, session):
        self.session = session

    def context(self, nip, tanggal, kegiatan_id):
        return activity_store.read_context(_raw_cursor(self.session), nip, tanggal, kegiatan_id)[1]

    def add(self, report) -> bool:
        guard, _ = activity_store.write_submissions(_raw_cursor(self.session),
                                                    [activity_store.report_row(report, None, None)])[0]
        if guard and report.event_id is not None:
            self.count_submitted(report.ctx.instansi_id, report.source)
        return guard

    def entry(self, activity_id, *, for_update=False) -> Entry | None:
        row = repo.activity_row(self.session, activity_id, for_update=for_update)
        return None if row is None else Entry(dict(row._mapping), repo.to_domain(row))

    def kegiatan_satuan(self, nip, skp_id) -> dict[str, str]:
        return {k.kegiatan_id: k.satuan for k in repo.kegiatan_rows(self.session, nip, skp_id)}

    def add_evidence(self, nip, evidence) -> None:
        self.session.execute(repo.evidence_files.insert().values(
            nip=nip, evidence_id=evidence.evidence_id, content_type=evidence.content_type, size=len(evidence.data),
            sha256=evidence.sha256, data=evidence.data))

    def save(self, activity, at, *, content_changed=False, submitted=False, evidence_id=None) -> None:
        repo.save_activity(self.session, activity, now=at, submitted=submitted, content_changed=content_changed,
                           evidence_id=evidence_id)

    def count_submitted(self, instansi_id, source) -> None:
        metrics.submitted_on_commit(self.session, instansi_id, source)

    def between(self, nip, start, end, state=None, after=None, limit=None) -> list[dict]:
        return [dict(r._mapping) for r in repo.list_activities(self.session, nip, start, end, state, after, limit)]

    def evidence(self, nip, evidence_id) -> EvidenceFile | None:
        row = repo.evidence(self.session, nip, evidence_id)
        return None if row is None else EvidenceFile(row.evidence_id, row.content_type, row.data)

    def month_totals(self, nip, skp_id, start, end):
        return repo.month_totals(self.session, nip, skp_id, start, end)

    def targets_of_month(self, nip, skp_id, tahun, bulan):
        return [_target(r) for r in repo.targets(self.session, nip, skp_id, (tahun, bulan))]
