"""Locking and unlocking an employee's day or month (the penilai closes a period once its entries are judged), and
listing the locks.

On the unit of work (issue 17 items 1-2): unit-tested on fakes in tests/unit/test_locks.py.
"""
from __future__ import annotations

import uuid

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound

from ..domain import activity as act
from . import events, parsing
from .access import locked_span, month_range, target_for
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .ports import DesUnitOfWork, PeriodLock


def _period(scope: str, tanggal: str, bulan: str):
    if scope == "day":
        start = end = parsing.date(tanggal, "tanggal")
    elif scope == "month":
        start, end = month_range(*parsing.month(bulan, "bulan"))
    else:
        raise InvalidArgument("must be day or month", field="scope")
    return start, end


def lock_period(uow: DesUnitOfWork, principal, nip: str, scope: str, tanggal: str, bulan: str) -> dict:
    """Lock the period when nothing in it waits for review: its approved entries become `locked`, with their audit
    records, the lock's own audit record and a `period_locked` event."""
    reviewer = caller_nip(principal)
    nip = parsing.nip(nip)
    start, end = _period(scope, tanggal, bulan)
    skp = uow.relations.skp_for_date(nip, start) or uow.relations.skp_for_date(nip, end)
    if skp is None:
        raise FailedPrecondition("no SKP of this employee covers the period", field="tanggal")
    authorize("LockPeriod", principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    uow.locks.serialise(nip, skp.skp_id)
    existing = uow.locks.active(nip, start, end)
    if existing is not None and existing.tanggal_start <= start and existing.tanggal_end >= end:
        raise FailedPrecondition(f"{locked_span(existing)} sudah terkunci (kunci {existing.lock_id})",
                                 field="scope", reason="PERIOD_LOCKED")
    pending = [a for a in uow.activities.between(nip, start, end) if a.state in act.AWAITING_REVIEW]
    if pending:
        days = sorted({a.content.tanggal.isoformat() for a in pending})
        raise FailedPrecondition(f"{len(pending)} entri masih menunggu penilaian (tanggal {', '.join(days[:10])}"
                                 f"{' …' if len(days) > 10 else ''}); setujui atau kembalikan dulu", field="scope")
    lock_id = uuid.uuid4()
    uow.locks.add(nip, lock_id, skp.skp_id, scope, start, end, reviewer)
    locked_ids = []
    for activity in uow.activities.between(nip, start, end, act.APPROVED):
        before = activity.snapshot()
        activity.lock(reviewer)
        uow.activities.save(activity, clock.now())
        uow.audit.record(nip, "activity", activity.activity_id, "lock", reviewer, before, activity.snapshot())
        locked_ids.append(activity.activity_id)
    uow.audit.record(nip, "period_lock", str(lock_id), "lock", reviewer, None,
                     {"scope": scope, "start": start.isoformat(), "end": end.isoformat(), "activity_ids": locked_ids})
    uow.record(events.period_locked(nip, skp, scope, start, locked_ids, reviewer))
    return {"lock_id": str(lock_id), "activity_ids": locked_ids}


def unlock_period(uow: DesUnitOfWork, principal, nip: str, lock_id: str, reason: str) -> list[str]:
    """Lift a lock (an admin's correction, with its reason): the entries it locked that no other lock covers go
    back to `approved`; their ids."""
    nip = parsing.nip(nip)
    if not reason or not reason.strip():
        raise InvalidArgument("an unlock needs a reason", field="reason")
    try:
        key = uuid.UUID(lock_id)
    except ValueError:
        raise InvalidArgument("not a lock id", field="lock_id") from None
    lock = uow.locks.get_for_update(nip, key)
    if lock is None:
        raise NotFound("no such lock", field="lock_id")
    authorize("UnlockPeriod", principal, Target(nip, uow.relations.instansi_of(nip)))
    if lock.unlocked_at is not None:
        raise FailedPrecondition("this lock was already lifted", field="lock_id")
    actor = principal.subject
    uow.locks.lift(nip, key, actor, reason.strip())
    unlocked = []
    for activity in uow.activities.between(nip, lock.tanggal_start, lock.tanggal_end, act.LOCKED):
        if uow.locks.active(nip, activity.content.tanggal) is not None:
            continue  # still covered by another lock
        before = activity.snapshot()
        activity.unlock(actor, reason)
        uow.activities.save(activity, clock.now())
        uow.audit.record(nip, "activity", activity.activity_id, "unlock", actor, before, activity.snapshot(),
                         reason.strip())
        unlocked.append(activity.activity_id)
    uow.audit.record(nip, "period_lock", lock_id, "unlock", actor,
                     {"scope": lock.scope, "start": lock.tanggal_start.isoformat(),
                      "end": lock.tanggal_end.isoformat()}, {"activity_ids": unlocked}, reason.strip())
    return unlocked


def list_locks(uow: DesUnitOfWork, principal, nip: str, bulan: str, include_lifted: bool,
               cfg: DesConfig) -> list[PeriodLock]:
    nip, target = target_for(uow.relations, principal, nip, cfg.today())
    authorize("ListLocks", principal, target)
    start = end = None
    if bulan:
        start, end = month_range(*parsing.month(bulan, "bulan"))
    return uow.locks.of(nip, start, end, include_lifted)
