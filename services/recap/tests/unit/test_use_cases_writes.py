"""recap's writing use cases on the in-memory unit of work (recap_fakes.py): closing a month, the holiday calendar,
and applying the events recap consumes (one by one, des's batches, the rebuild). No PostgreSQL, no broker.

Checked failing: with `uow.record` removed from `close_month`, the `if created` guard removed (a second close
recorded a second event), and reference events no longer flushing the run of des events before them.
"""
import datetime as dt
from decimal import Decimal

import pytest
from recap_fakes import FakeRecapUnitOfWork, FakeRelations, line

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal
from recap.application import closing, events, recaps
from recap.domain.projection import BadEvent

pytestmark = pytest.mark.unit

ANI, BUDI = "198001012005012001", "198002022005011002"
BKN = Principal("bkn-1", ("admin_bkn",))
ADMIN = Principal("admin-1", ("admin_instansi",), instansi_id="i-1")
OTHER_ADMIN = Principal("admin-2", ("admin_instansi",), instansi_id="i-2")
PEGAWAI = Principal(ANI, ("pegawai",), instansi_id="i-1", nip=ANI)
JULY = dt.date(2025, 7, 1)


@pytest.fixture
def uow():
    unit = FakeRecapUnitOfWork(FakeRelations(employees={ANI: "i-1"}, units={"u-1": "i-1"}))
    unit.reads.instansi["i-1"] = {"u-1": {ANI: line(ANI, reported=2, achievement=80)},
                                  "u-2": {BUDI: line(BUDI, "u-2", reported=3)}}
    unit.reads.names = {ANI: "Ani", BUDI: "Budi"}
    return unit


# -- closing a month ---------------------------------------------------------------------------------------------

def test_closing_a_month_snapshots_the_live_rows_and_records_recap_closed_once(uow):
    with uow:
        done = closing.close_month(uow, ADMIN, "i-1", 2025, 6, JULY)
    assert not done.already_closed and done.rows == 2 and done.close.closed_by == "admin-1"
    assert done.recap["total"].counters["reported"] == 5 and done.recap["total"].employees == 2
    assert {r["nip"]: r["nama"] for r in uow.closes.rows} == {ANI: "Ani", BUDI: "Budi"}
    assert uow.recorded("recap_closed") == [{"instansi_id": "i-1", "tahun": 2025, "bulan": 6}]
    uow.reads.instansi["i-1"]["u-1"][ANI].counters["reported"] = 9   # later events move the live view only
    again = closing.close_month(uow, BKN, "i-1", 2025, 6, JULY)
    assert again.already_closed and again.recap["total"].counters["reported"] == 5 and again.rows == 2
    assert len(uow.recorded("recap_closed")) == 1


def test_a_month_not_ended_or_another_instansis_is_not_closed(uow):
    with pytest.raises(FailedPrecondition) as refused:
        closing.close_month(uow, ADMIN, "i-1", 2025, 7, JULY)
    assert refused.value.field == "bulan"
    with pytest.raises(PermissionDenied):
        closing.close_month(uow, OTHER_ADMIN, "i-1", 2025, 6, JULY)
    with pytest.raises(InvalidArgument) as refused:
        closing.close_month(uow, ADMIN, "i-1", 1999, 6, JULY)
    assert refused.value.field == "tahun"
    assert not uow.closes.closes and not uow.recorded("recap_closed")


def test_a_closed_months_snapshot_is_what_the_unit_and_the_employee_recaps_read(uow):
    uow.reads.unit_names["u-1"] = "Bidang Satu"
    closing.close_month(uow, ADMIN, "i-1", 2025, 6, JULY)
    unit = recaps.unit_recap(uow, ADMIN, "u-1", "month", "2025-06-30", True, 100, "")
    assert not unit.shown and [x.key for x in unit.rows] == [ANI] and unit.unit_nama == "Bidang Satu"
    mine = recaps.employee_recap(uow, PEGAWAI, "month", "2025-06-30", "", True)
    assert mine["total"].counters["reported"] == 2 and mine["total"].achievement == Decimal(80)
    assert mine["kegiatan"] == [] and "employee_recap" not in uow.reads.calls


# -- holidays ----------------------------------------------------------------------------------------------------

def test_an_admin_sets_and_removes_its_instansis_day(uow):
    day, removed = closing.set_holiday(uow, ADMIN, "2025-08-18", " i-1 ", " Cuti bersama ", False)
    assert (day.tanggal, day.nama, day.instansi_id, removed) == (dt.date(2025, 8, 18), "Cuti bersama", "i-1", False)
    assert uow.holidays.days == {("i-1", dt.date(2025, 8, 18)): ("Cuti bersama", "admin-1")}
    assert closing.set_holiday(uow, ADMIN, "2025-08-18", "i-1", "", True)[1] is True
    assert closing.set_holiday(uow, ADMIN, "2025-08-18", "i-1", "", True)[1] is False


def test_national_days_are_admin_bkns_and_a_day_needs_a_name(uow):
    with pytest.raises(PermissionDenied) as refused:
        closing.set_holiday(uow, ADMIN, "2025-08-17", "", "Hari Kemerdekaan", False)
    assert refused.value.field == "holiday.instansi_id"
    with pytest.raises(InvalidArgument) as refused:
        closing.set_holiday(uow, BKN, "2025-08-17", "", " ", False)
    assert refused.value.field == "holiday.nama"
    assert not uow.holidays.days


def test_holidays_are_listed_national_and_own_by_day_in_pages(uow):
    closing.set_holiday(uow, BKN, "2025-08-17", "", "Hari Kemerdekaan", False)
    closing.set_holiday(uow, ADMIN, "2025-08-18", "i-1", "Cuti bersama", False)
    closing.set_holiday(uow, OTHER_ADMIN, "2025-08-19", "i-2", "Hari jadi", False)
    first, token = closing.list_holidays(uow, PEGAWAI, "i-1", "2025-08-01", "2025-08-31", 1, "")
    rest, last = closing.list_holidays(uow, PEGAWAI, "i-1", "2025-08-01", "2025-08-31", 1, token)
    assert [r.tanggal.day for r in first + rest] == [17, 18] and token and not last
    with pytest.raises(InvalidArgument) as refused:
        closing.list_holidays(uow, PEGAWAI, "i-1", "2025-01-01", "2026-01-03", 100, "")
    assert refused.value.field == "date_to"


# -- events ------------------------------------------------------------------------------------------------------

def _event(event_id, event_type="activity_submitted"):
    return {"event_id": event_id, "event_type": event_type, "producer": "des", "data": {}}


def test_a_reference_event_is_logged_and_projected_and_an_unknown_one_refused(uow):
    events.apply_event(uow, _event("e1", "skp_approved"))
    assert [e["event_id"] for e in uow.projection.event_log] == ["e1"]
    assert uow.projection.applied == [("reference", "e1")]
    with pytest.raises(BadEvent):
        events.apply_event(uow, _event("e2", "skp_invented"))


def test_a_des_batch_skips_what_the_inbox_has_and_keeps_reference_events_in_their_place(uow):
    events.apply_des_batch(uow, [_event("a0")])
    fresh = events.apply_des_batch(uow, [_event("a0"), _event("a1"), _event("a2", "activity_reviewed"),
                                         _event("t1", "monthly_targets_set"), _event("a3"), _event("a3")])
    assert fresh == [False, True, True, True, True, False]
    assert uow.intake.batches == [["a0"], ["a1", "a2"], ["a3"]]
    assert uow.projection.applied == [("des", "a0"), ("des", "a1"), ("des", "a2"), ("reference", "t1"),
                                      ("des", "a3")]


def test_the_rebuild_projects_the_whole_event_log_again_in_order(uow):
    for event in (_event("a1"), _event("t1", "monthly_targets_set"), _event("a2")):
        events.apply_event(uow, event)
    assert events.rebuild(uow, batch=2) == 3
    assert uow.projection.cleared
    assert uow.projection.applied == [("des", "a1"), ("reference", "t1"), ("des", "a2")]


def test_recap_projects_every_reference_event_its_adapters_handle():
    from recap.adapters.sql_store import REFERENCE_HANDLERS
    assert events.REFERENCE_EVENTS == set(REFERENCE_HANDLERS)
