"""`Locks`, `Activities` and `Reviews` on PostgreSQL (the period_locks and activities tables)."""
from __future__ import annotations

import sqlalchemy as sa

from ..application.ports import Activities, Entry, Locks, PeriodLock, Reviews
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

    def save(self, activity, at, *, reviewed=False) -> None:
        repo.save_activity(self.session, activity, now=at, reviewed=reviewed)


class SqlReviews(Reviews):
    def __init__(self, session):
        self.session = session

    def entry(self, activity_id, *, for_update=False) -> Entry | None:
        row = repo.activity_row(self.session, activity_id, for_update=for_update)
        return None if row is None else Entry(dict(row._mapping), repo.to_domain(row))

    def awaiting_on(self, nip, tanggal) -> list[str]:
        return repo.day_awaiting_review(self.session, nip, tanggal)

    def queue(self, penilai_nip, start, end, limit, after=None) -> list[dict]:
        return [dict(r._mapping) for r in repo.review_queue(self.session, penilai_nip, start, end, limit, after)]

    def unrated(self, penilai_nip, today) -> list[dict]:
        return [dict(r._mapping) for r in repo.unrated_months(self.session, penilai_nip, today)]
