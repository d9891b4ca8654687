"""Locking and unlocking an employee's day or month (the penilai's closing of a period), and listing the locks.

Still on a SQLAlchemy session (`NOT_YET_MODULES`, issue 17 items 1-2).
"""
from __future__ import annotations

import uuid

from ekinerja_platform.domain_errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from ekinerja_platform.outbox import record_event

from ..adapters import repository as repo
from ..domain import activity as act
from . import events, parsing
from .activities import locked_span, now
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .reads import target_for


def list_locks(session, principal, nip: str, bulan: str, include_lifted: bool, cfg: DesConfig) -> list:
    nip, target = target_for(session, principal, nip, cfg.today())
    authorize("ListLocks", principal, target)
    start = end = None
    if bulan:
        start, end = repo.month_range(*parsing.month(bulan, "bulan"))
    return repo.locks(session, nip, start, end, include_lifted)


def lock_period(session, principal, nip: str, scope: str, tanggal: str, bulan: str) -> dict:
    reviewer = caller_nip(principal)
    nip = parsing.nip(nip)
    if scope == "day":
        start = end = parsing.date(tanggal, "tanggal")
    elif scope == "month":
        start, end = repo.month_range(*parsing.month(bulan, "bulan"))
    else:
        raise InvalidArgument("must be day or month", field="scope")
    skp = repo.skp_for_date(session, nip, start) or repo.skp_for_date(session, nip, end)
    if skp is None:
        raise FailedPrecondition("no SKP of this employee covers the period", field="tanggal")
    authorize("LockPeriod", principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    # serialise lockers of one employee; the row lock on the SKP copy is enough
    session.execute(repo.sa.select(repo.skp_documents.c.nip).where(
        repo.skp_documents.c.nip == nip, repo.skp_documents.c.skp_id == skp.skp_id).with_for_update())
    existing = repo.active_lock(session, nip, start, end)
    if existing is not None and existing.tanggal_start <= start and existing.tanggal_end >= end:
        raise FailedPrecondition(f"{locked_span(existing)} sudah terkunci (kunci {existing.lock_id})",
                                 field="scope", reason="PERIOD_LOCKED")
    pending = [r for r in repo.list_activities(session, nip, start, end) if r.state in act.AWAITING_REVIEW]
    if pending:
        days = sorted({r.tanggal.isoformat() for r in pending})
        raise FailedPrecondition(f"{len(pending)} entri masih menunggu penilaian (tanggal {', '.join(days[:10])}"
                                 f"{' …' if len(days) > 10 else ''}); setujui atau kembalikan dulu", field="scope")
    lock_id = uuid.uuid4()
    session.execute(repo.period_locks.insert().values(
        nip=nip, lock_id=lock_id, skp_id=skp.skp_id, scope=scope, tanggal_start=start, tanggal_end=end,
        locked_by=reviewer))
    locked_ids = []
    for row in repo.list_activities(session, nip, start, end, act.APPROVED):
        activity = repo.to_domain(row)
        before = activity.snapshot()
        activity.lock(reviewer)
        repo.save_activity(session, activity, now=now())
        repo.audit(session, nip, "activity", activity.activity_id, "lock", reviewer, before, activity.snapshot())
        locked_ids.append(activity.activity_id)
    repo.audit(session, nip, "period_lock", str(lock_id), "lock", reviewer, None,
               {"scope": scope, "start": start.isoformat(), "end": end.isoformat(), "activity_ids": locked_ids})
    record_event(session, events.period_locked(nip, skp, scope, start, locked_ids, reviewer))
    return {"lock_id": str(lock_id), "activity_ids": locked_ids}


def unlock_period(session, principal, nip: str, lock_id: str, reason: str) -> list[str]:
    nip = parsing.nip(nip)
    if not reason or not reason.strip():
        raise InvalidArgument("an unlock needs a reason", field="reason")
    try:
        key = uuid.UUID(lock_id)
    except ValueError:
        raise InvalidArgument("not a lock id", field="lock_id") from None
    lock = session.execute(repo.sa.select(repo.period_locks).where(
        repo.period_locks.c.nip == nip, repo.period_locks.c.lock_id == key).with_for_update()).first()
    if lock is None:
        raise NotFound("no such lock", field="lock_id")
    instansi = repo.employee_instansi(session, nip)
    authorize("UnlockPeriod", principal, Target(nip, instansi))
    if lock.unlocked_at is not None:
        raise FailedPrecondition("this lock was already lifted", field="lock_id")
    actor = principal.subject
    session.execute(repo.period_locks.update().where(
        repo.period_locks.c.nip == nip, repo.period_locks.c.lock_id == key).values(
        unlocked_at=repo.sa.func.now(), unlocked_by=actor, unlock_reason=reason.strip()))
    unlocked = []
    for row in repo.list_activities(session, nip, lock.tanggal_start, lock.tanggal_end, act.LOCKED):
        if repo.active_lock(session, nip, row.tanggal) is not None:
            continue  # still covered by another lock
        activity = repo.to_domain(row)
        before = activity.snapshot()
        activity.unlock(actor, reason)
        repo.save_activity(session, activity, now=now())
        repo.audit(session, nip, "activity", activity.activity_id, "unlock", actor, before, activity.snapshot(),
                   reason.strip())
        unlocked.append(activity.activity_id)
    repo.audit(session, nip, "period_lock", lock_id, "unlock", actor,
               {"scope": lock.scope, "start": lock.tanggal_start.isoformat(), "end": lock.tanggal_end.isoformat()},
               {"activity_ids": unlocked}, reason.strip())
    return unlocked

