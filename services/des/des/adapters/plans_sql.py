"""`Plans` on PostgreSQL: the day's context in one round trip (repository.entry_context), the plans table."""
from __future__ import annotations

from ..application.ports import EntryContext, Plans
from . import repository as repo


class SqlPlans(Plans):
    def __init__(self, session):
        self.session = session

    def entry_context(self, nip, tanggal, kegiatan_id) -> EntryContext | None:
        row = repo.entry_context(self.session, nip, tanggal, kegiatan_id)
        if row is None:
            return None
        return EntryContext(row.skp_id, row.instansi_id, row.unit_id, row.penilai_nip, row.window_days,
                            bool(row.locked), row.kegiatan_id, row.kegiatan_satuan, row.kegiatan_nomor, row.ruleset)

    def add(self, plan) -> None:
        repo.insert_plan(self.session, **plan)

    def between(self, nip, start, end, after=None, limit=None) -> list[dict]:
        return [dict(r._mapping) for r in repo.list_plans(self.session, nip, start, end, after, limit)]
