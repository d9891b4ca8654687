"""Locks (application/locks.py) on the in-memory unit of work (des_fakes.py): no PostgreSQL, no broker.

LockPeriod locks the approved entries of a day or month (never while one waits for review, never twice), with
audit records and a `period_locked` event; UnlockPeriod lifts a lock with a reason and releases only the entries no
other lock covers; ListLocks lists them to those who may read the employee's work. Checked failing: with
`uow.record` dropped, the pending check dropped, `activity.lock` skipped, the other-lock check in
`unlock_period` dropped, `authorize` dropped from LockPeriod, UnlockPeriod and ListLocks, and `serialise` dropped.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import locks
from des.application.ports import DaySkp
from des.domain import activity as act
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI_NIP = "197001011990031001"
OTHER = "199001012015011002"
PENILAI = Principal(PENILAI_NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=PENILAI_NIP)
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
ADMIN = Principal("admin-1", ("admin_instansi",), instansi_id="pemkot-bogor")
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 14 May



def entry(uow, day: int, state: str, activity_id: str | None = None) -> str:
    activity_id = activity_id or f"a-{day}-{state}"
    content = act.ActivityContent(tanggal=dt.date(2026, 5, day), jenis="skp", uraian="Menyusun konsep",
                                  kuantitas=Decimal(1), satuan="konsep", kegiatan_id="k1")
    uow.activities.put(act.Activity(activity_id, NIP, PENILAI_NIP, content, state=state, version=3))
    return activity_id


@pytest.fixture
def uow(cfg):
    uow = FakeDesUnitOfWork()
    uow.relations.add_skp(NIP, dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                          DaySkp("skp-1", "pemkot-bogor", PENILAI_NIP))
    return uow


def states(uow) -> dict[str, str]:
    return {a.activity_id: a.state for a in uow.activities.rows.values()}


def test_locking_a_month_locks_its_approved_entries_with_audits_and_an_event(uow):
    approved = [entry(uow, 4, act.APPROVED), entry(uow, 20, act.APPROVED)]
    draft = entry(uow, 5, act.DRAFT)
    out = locks.lock_period(uow, PENILAI, NIP, "month", "", "2026-05")
    assert sorted(out["activity_ids"]) == sorted(approved)
    assert states(uow) == {approved[0]: act.LOCKED, approved[1]: act.LOCKED, draft: act.DRAFT}
    [lock] = uow.locks.rows
    assert (lock.scope, lock.tanggal_start, lock.tanggal_end, lock.locked_by, str(lock.lock_id)) == (
        "month", dt.date(2026, 5, 1), dt.date(2026, 5, 31), PENILAI_NIP, out["lock_id"])
    assert uow.locks.serialised == [(NIP, "skp-1")]
    assert [(r["entity"], r["action"]) for r in uow.audit.records] == [
        ("activity", "lock"), ("activity", "lock"), ("period_lock", "lock")]
    [event] = uow.recorded("period_locked")
    assert event == {"nip": NIP, "instansi_id": "pemkot-bogor", "skp_id": "skp-1", "scope": "month", "tahun": 2026,
                     "bulan": 5, "activity_ids": out["activity_ids"], "locked_by": PENILAI_NIP}


def test_a_day_lock_touches_that_day_only(uow):
    day4, day5 = entry(uow, 4, act.APPROVED), entry(uow, 5, act.APPROVED)
    assert locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")["activity_ids"] == [day4]
    assert states(uow)[day5] == act.APPROVED
    assert uow.recorded("period_locked")[0]["tanggal"] == "2026-05-04"


def test_an_entry_waiting_for_review_blocks_the_lock(uow):
    entry(uow, 4, act.APPROVED)
    entry(uow, 6, act.SUBMITTED)
    with pytest.raises(FailedPrecondition, match="menunggu penilaian") as err:
        locks.lock_period(uow, PENILAI, NIP, "month", "", "2026-05")
    assert err.value.field == "scope"
    assert uow.locks.rows == [] and uow.recorded("period_locked") == [] and uow.activities.saved == []


def test_a_period_already_locked_is_refused(uow):
    locks.lock_period(uow, PENILAI, NIP, "month", "", "2026-05")
    with pytest.raises(FailedPrecondition, match="bulan 2026-05 sudah terkunci") as err:
        locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")
    assert err.value.reason == "PERIOD_LOCKED" and len(uow.locks.rows) == 1


@pytest.mark.parametrize("scope, tanggal, bulan, error, field", [
    ("week", "2026-05-04", "", InvalidArgument, "scope"),
    ("day", "", "", InvalidArgument, "tanggal"),
    ("month", "", "2026-5", InvalidArgument, "bulan"),
    ("month", "", "2025-05", FailedPrecondition, "tanggal"),  # no SKP covers it
])
def test_a_bad_period_names_the_field(uow, scope, tanggal, bulan, error, field):
    with pytest.raises(error) as err:
        locks.lock_period(uow, PENILAI, NIP, scope, tanggal, bulan)
    assert err.value.field == field and uow.locks.rows == []


@pytest.mark.parametrize("principal", [PEGAWAI, ADMIN, Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor",
                                                                 nip=OTHER)])
def test_only_the_penilai_locks(uow, principal):
    entry(uow, 4, act.APPROVED)
    with pytest.raises(PermissionDenied):
        locks.lock_period(uow, principal, NIP, "month", "", "2026-05")
    assert uow.locks.rows == [] and uow.locks.serialised == []


def test_unlocking_releases_the_lock_s_entries_with_the_reason(uow):
    day4, day5 = entry(uow, 4, act.APPROVED), entry(uow, 5, act.APPROVED)
    day_lock = locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")
    locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-05", "")
    audits = len(uow.audit.records)
    assert locks.unlock_period(uow, ADMIN, NIP, day_lock["lock_id"], "  salah kunci  ") == [day4]
    assert states(uow) == {day4: act.APPROVED, day5: act.LOCKED}
    lifted = uow.locks.get_for_update(NIP, uuid.UUID(day_lock["lock_id"]))
    assert (lifted.unlocked_by, lifted.unlock_reason) == ("admin-1", "salah kunci")
    assert [(r["entity"], r["action"], r["reason"]) for r in uow.audit.records[audits:]] == [
        ("activity", "unlock", "salah kunci"), ("period_lock", "unlock", "salah kunci")]


def test_an_entry_still_under_another_lock_stays_locked(uow):
    day4 = entry(uow, 4, act.APPROVED)
    first = locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")
    uow.locks.add(NIP, uuid.uuid4(), "skp-1", "month", dt.date(2026, 5, 1), dt.date(2026, 5, 31), PENILAI_NIP)
    assert locks.unlock_period(uow, ADMIN, NIP, first["lock_id"], "koreksi") == []
    assert states(uow)[day4] == act.LOCKED


@pytest.mark.parametrize("lock_id, reason, error, field", [
    ("", "koreksi", InvalidArgument, "lock_id"),
    ("not-a-uuid", "koreksi", InvalidArgument, "lock_id"),
    (str(uuid.uuid4()), "koreksi", NotFound, "lock_id"),
    ("known", " ", InvalidArgument, "reason"),
])
def test_a_bad_unlock_names_the_field(uow, lock_id, reason, error, field):
    known = locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")["lock_id"]
    with pytest.raises(error) as err:
        locks.unlock_period(uow, ADMIN, NIP, known if lock_id == "known" else lock_id, reason)
    assert err.value.field == field
    assert uow.locks.rows[0].unlocked_at is None


def test_a_lock_is_lifted_once_and_only_by_an_admin_of_the_instansi(uow):
    lock_id = locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")["lock_id"]
    for principal in (PENILAI, Principal("admin-2", ("admin_instansi",), instansi_id="pemkot-depok")):
        with pytest.raises(PermissionDenied):
            locks.unlock_period(uow, principal, NIP, lock_id, "koreksi")
    locks.unlock_period(uow, ADMIN, NIP, lock_id, "koreksi")
    with pytest.raises(FailedPrecondition, match="already lifted"):
        locks.unlock_period(uow, ADMIN, NIP, lock_id, "koreksi")


def test_the_locks_of_a_month_are_listed_to_readers_only(uow, cfg):
    may = locks.lock_period(uow, PENILAI, NIP, "day", "2026-05-04", "")["lock_id"]
    june = locks.lock_period(uow, PENILAI, NIP, "month", "", "2026-06")["lock_id"]
    locks.unlock_period(uow, ADMIN, NIP, may, "koreksi")
    assert [str(r.lock_id) for r in locks.list_locks(uow, PEGAWAI, "", "", False, cfg)] == [june]
    assert [str(r.lock_id) for r in locks.list_locks(uow, PENILAI, NIP, "2026-05", True, cfg)] == [may]
    with pytest.raises(PermissionDenied):
        locks.list_locks(uow, Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor", nip=OTHER), NIP, "", False,
                         cfg)
