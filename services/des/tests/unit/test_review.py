"""The penilai's review (application/review.py) on the in-memory unit of work (des_fakes.py): no PostgreSQL.

ApproveActivities approves every item or none (rows held in id order, versions checked, locked days refused, the
recognised kuantitas within the claim), with audit records and `activity_reviewed` events in the caller's order;
ApproveDay approves an employee-day; RequestRevision sends an entry back with a note; ReviewQueue pages what
waits. Checked failing: with `authorize` dropped from `_locked_entry` and from ApproveDay's loop, the version
check dropped, `refuse_locked_day` dropped, `reviewed=True` dropped, `uow.record` dropped from either write, the
items sorted by position instead of id, and the queue's page key reversed.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import review
from des.application.ports import DaySkp
from des.domain import activity as act
from ekinerja_platform.domain_errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI_NIP = "197001011990031001"
OTHER = "199001012015011002"
PENILAI = Principal(PENILAI_NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=PENILAI_NIP)
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
STRANGER = Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor", nip=OTHER)
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)



@pytest.fixture
def uow(cfg):
    uow = FakeDesUnitOfWork()
    uow.relations.add_skp(NIP, dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                          DaySkp("skp-1", "pemkot-bogor", PENILAI_NIP))
    return uow


def entry(uow, day: int, activity_id: str, state: str = act.SUBMITTED, kuantitas: str = "4",
          sent: dt.datetime | None = None) -> str:
    content = act.ActivityContent(tanggal=dt.date(2026, 5, day), jenis="skp", uraian="Menyusun konsep",
                                  kuantitas=Decimal(kuantitas), satuan="konsep", kegiatan_id="k1")
    uow.activities.put(act.Activity(activity_id, NIP, PENILAI_NIP, content, state=state, version=2))
    uow.reviews.stored[activity_id] = {"submitted_at": sent or dt.datetime(2026, 5, day, 9, tzinfo=dt.timezone.utc)}
    return activity_id


def state(uow, activity_id):
    return uow.activities.rows[activity_id].state


def test_approving_holds_rows_in_id_order_and_answers_in_the_caller_s_order(uow):
    entry(uow, 4, "b"), entry(uow, 5, "a")
    views = review.approve_activities(uow, PENILAI, [("b", "3", 2), ("a", "", 0)])
    assert [v["activity_id"] for v in views] == ["b", "a"] and uow.reviews.held == ["a", "b"]
    assert views[0]["kuantitas_diakui"] == Decimal(3) and views[1]["kuantitas_diakui"] == Decimal(4)
    assert (state(uow, "a"), state(uow, "b")) == (act.APPROVED, act.APPROVED)
    assert uow.activities.reviewed_at == {"a": NOW, "b": NOW}
    assert [(r["entity_id"], r["action"]) for r in uow.audit.records] == [("a", "approve"), ("b", "approve")]
    events = uow.recorded("activity_reviewed")
    assert [(e["activity_id"], e["kuantitas_diakui"], e["reviewer_nip"]) for e in events] == [
        ("a", "4.00", PENILAI_NIP), ("b", "3.00", PENILAI_NIP)]


@pytest.mark.parametrize("items, error, field", [
    ([], InvalidArgument, "items"),
    ([("a", "", 0)] * 1001, InvalidArgument, "items"),
    ([("a", "", 0), ("zz", "", 0)], NotFound, "items[1].activity_id"),
    ([("a", "", 0), ("b", "9", 0)], InvalidArgument, "items[1].kuantitas_diakui"),   # more than claimed
    ([("a", "", 0), ("b", "dua", 0)], InvalidArgument, "items[1].kuantitas_diakui"),  # not a number
    ([("a", "", 0), ("b", "", 7)], Conflict, "expected_version"),
])
def test_a_bad_item_refuses_the_whole_batch_naming_it(uow, items, error, field):
    entry(uow, 4, "a"), entry(uow, 5, "b")
    with pytest.raises(error) as err:
        review.approve_activities(uow, PENILAI, items)
    assert err.value.field == field


def test_a_locked_day_or_another_penilai_is_refused(uow):
    entry(uow, 4, "a")
    uow.locks.add(NIP, uuid.uuid4(), "skp-1", "day", dt.date(2026, 5, 4), dt.date(2026, 5, 4), PENILAI_NIP)
    with pytest.raises(FailedPrecondition) as err:
        review.approve_activities(uow, PENILAI, [("a", "", 0)])
    assert err.value.reason == "PERIOD_LOCKED"
    entry(uow, 5, "b")
    for principal in (STRANGER, PEGAWAI):
        with pytest.raises(PermissionDenied):
            review.approve_activities(uow, principal, [("b", "", 0)])
    assert state(uow, "b") == act.SUBMITTED and uow.recorded("activity_reviewed") == []


def test_approve_day_approves_what_waits_on_that_day_only(uow):
    entry(uow, 4, "a"), entry(uow, 4, "b"), entry(uow, 5, "c")
    entry(uow, 4, "d", state=act.DRAFT)
    views = review.approve_day(uow, PENILAI, NIP, "2026-05-04")
    assert [v["activity_id"] for v in views] == ["a", "b"]
    assert [state(uow, i) for i in "abcd"] == [act.APPROVED, act.APPROVED, act.SUBMITTED, act.DRAFT]
    with pytest.raises(FailedPrecondition, match="tidak ada entri tanggal 2026-05-04") as err:
        review.approve_day(uow, PENILAI, NIP, "2026-05-04")
    assert err.value.field == "tanggal"


def test_approve_day_is_the_penilai_s(uow):
    entry(uow, 4, "a")
    with pytest.raises(PermissionDenied):
        review.approve_day(uow, STRANGER, NIP, "2026-05-04")
    with pytest.raises(PermissionDenied):
        review.approve_day(uow, STRANGER, NIP, "2026-05-06")  # nothing waits: still not told to a stranger
    assert state(uow, "a") == act.SUBMITTED


def test_a_revision_request_carries_the_note_and_its_event(uow):
    entry(uow, 4, "a")
    view = review.request_revision(uow, PENILAI, "a", "  lengkapi bukti  ", 2)
    assert (view["state"], view["catatan"], view["version"], view["reviewed_at"]) == (
        act.REVISION_REQUESTED, "lengkapi bukti", 3, NOW)
    assert uow.activities.reviewed_at == {"a": NOW}
    assert uow.audit.records[-1]["action"] == "request_revision"
    [event] = uow.recorded("revision_requested")
    assert (event["activity_id"], event["catatan"], event["version"]) == ("a", "lengkapi bukti", 3)


def test_a_revision_request_needs_a_note_the_version_and_the_penilai(uow):
    entry(uow, 4, "a")
    with pytest.raises(InvalidArgument) as err:
        review.request_revision(uow, PENILAI, "a", " ", 0)
    assert err.value.field == "catatan"
    with pytest.raises(Conflict):
        review.request_revision(uow, PENILAI, "a", "lengkapi", 1)
    with pytest.raises(PermissionDenied):
        review.request_revision(uow, STRANGER, "a", "lengkapi", 0)
    with pytest.raises(NotFound) as err:
        review.request_revision(uow, PENILAI, "nope", "lengkapi", 0)
    assert err.value.field == "activity_id"
    assert state(uow, "a") == act.SUBMITTED and uow.recorded("revision_requested") == []


def test_the_queue_pages_the_oldest_day_first(uow):
    a, b, c, d = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 4))
    entry(uow, 6, a), entry(uow, 4, b, sent=dt.datetime(2026, 5, 6, tzinfo=dt.timezone.utc))
    entry(uow, 4, c, sent=dt.datetime(2026, 5, 5, tzinfo=dt.timezone.utc)), entry(uow, 7, d, state=act.APPROVED)
    first, token = review.review_queue(uow, PENILAI, "", 0, page_size=2)
    rest, last = review.review_queue(uow, PENILAI, "", 0, page_size=2, page_token=token)
    assert [str(v["activity_id"]) for v in first + rest] == [c, b, a] and token and last == ""
    assert [str(v["activity_id"]) for v in review.review_queue(uow, PENILAI, "2026-05", 1)[0]] == [c]
    assert review.review_queue(uow, PEGAWAI, "", 0)[0] == []  # nothing waits for this employee's own review


def test_the_unrated_months_are_the_caller_s(uow, cfg):
    uow.reviews.unrated_rows = [{"nip": NIP, "kegiatan_id": "k1", "tahun": 2026, "bulan": 4}]
    assert review.unrated_months(uow, PENILAI, cfg) == uow.reviews.unrated_rows


def test_the_penilai_s_nip_without_the_pegawai_role_is_refused_by_the_policy(uow):
    """The domain checks the penilai's nip; the policy table also wants the token to be an employee's."""
    operator = Principal(PENILAI_NIP, ("operator",), instansi_id="pemkot-bogor", nip=PENILAI_NIP)
    entry(uow, 4, "a")
    with pytest.raises(PermissionDenied, match="ApproveActivities"):
        review.approve_activities(uow, operator, [("a", "", 0)])
    with pytest.raises(PermissionDenied, match="ApproveDay"):
        review.approve_day(uow, operator, NIP, "2026-05-04")
    with pytest.raises(PermissionDenied, match="RequestRevision"):
        review.request_revision(uow, operator, "a", "lengkapi", 0)
    assert state(uow, "a") == act.SUBMITTED
