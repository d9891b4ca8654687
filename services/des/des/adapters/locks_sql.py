"""`Locks` and `Activities` on PostgreSQL (the period_locks and activities tables)."""
from __future__ import annotations

import sqlalchemy as sa

from ..application.ports import Activities, Locks, PeriodLock
from . import repository as repo
from .tables import period_locks


def _lock(row) -> PeriodLock | None:
    return None if row is None else PeriodLock(**row._mapping)


class SqlLocks(Locks):
    def __init__(self, session):
        self.session = session

    def serialise(self, nip, skp_id) -> None:
        repo.lock_skp_copy(self.session, nip, skp_id)

    def active(self, nip, start, end=None) -> PeriodLock | None:
        return _lock(repo.active_lock(self.session, nip, start, end))

    def add(self, nip, lock_id, skp_id, scope, start, end, locked_by) -> None:
        self.session.execute(period_locks.insert().values(
            nip=nip, lock_id=lock_id, skp_id=skp_id, scope=scope, tanggal_start=start, tanggal_end=end,
            locked_by=locked_by))

    def get_for_update(self, nip, lock_id) -> PeriodLock | None:
        return _lock(self.session.execute(sa.select(period_locks).where(
            period_locks.c.nip == nip, period_locks.c.lock_id == lock_id).with_for_update()).first())

    def lift(self, nip, lock_id, actor, reason) -> None:
        self.session.execute(period_locks.update().where(
            period_locks.c.nip == nip, period_locks.c.lock_id == lock_id).values(
            unlocked_at=sa.func.now(), unlocked_by=actor, unlock_reason=reason))

    def of(self, nip, start, end, include_lifted) -> list[PeriodLock]:
        return [_lock(r) for r in repo.locks(self.session, nip, start, end, include_lifted)]


class SqlActivities(Activities):
    def __init__(self, session):
        self.session = session

    def between(self, nip, start, end, state=None):
        return [repo.to_domain(r) for r in repo.list_activities(self.session, nip, start, end, state)]

    def save(self, activity, at) -> None:
        repo.save_activity(self.session, activity, now=at)
