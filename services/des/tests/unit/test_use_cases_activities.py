"""A report's use cases (application/activities.py) on fakes (des_fakes.py): no PostgreSQL.

SubmitActivity on its `NewReports` path (read the key and the context, write once; a cached context joins the
write of concurrent requests; a guard that fails reads again, twice at most; a retried key gets the first answer),
the unit-of-work submit quick entry uses, UpdateActivity and SendActivity, with their refusals: a locked day, a
closed entry window, another employee's entry, a bad kuantitas, no SKP, a stale version.
Checked failing: with `authorize` dropped from `_held_entry` and from `prepare_submission`, `check_entry_date`
dropped, `refuse_locked_day` dropped, the version check dropped, the retry loop cut to one attempt, `forget`
dropped after a failed guard, the stored answer not decoded first, `count_submitted` dropped from send.
(The domain also refuses another employee's edit: the authorisation is told apart by a token of the
employee's NIP without the pegawai role.)
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork, FakeNewReports

from des.application import activities
from des.application.activities import ActivityInput
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
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
STRANGER = Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor", nip=OTHER)
NOT_AS_PEGAWAI = Principal(NIP, ("admin_bkn",), nip=NIP)  # the employee's NIP, but not in the pegawai role
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)  # 14 May in WIB
TODAY = dt.date(2026, 5, 14)
KEY = ("des.SubmitActivity/" + NIP, "key-1")



@pytest.fixture
def uow(cfg):
    uow = FakeDesUnitOfWork()
    uow.relations.add_skp(NIP, dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                          DaySkp("skp-1", "pemkot-bogor", PENILAI_NIP))
    uow.plans.kegiatan[(NIP, "skp-1")] = {"k1": ("laporan", 1), "k2": ("dokumen", 2)}
    return uow


@pytest.fixture
def path(uow):
    return FakeNewReports(uow)


def report(**fields) -> ActivityInput:
    return ActivityInput(**{"kegiatan_id": "k1", "uraian": "Menyusun laporan", "kuantitas": "2", **fields})


def encode(view: dict):
    return ("answer", view["activity_id"], view["state"]), view["activity_id"].encode()


def decode(stored: bytes):
    return ("stored", stored.decode())


def submit(path, cfg, inp=None, *, draft=False, key=KEY, principal=PEGAWAI):
    return activities.submit_activity_once(path, principal, inp or report(), draft, cfg, key=key, encode=encode,
                                           decode=decode)


# -- SubmitActivity ---------------------------------------------------------------------------------------------

def test_a_report_of_today_is_written_once_sent_for_review_and_counted(uow, path, cfg):
    kind, activity_id, state = submit(path, cfg)
    assert (kind, state) == ("answer", act.SUBMITTED)
    (written,) = uow.reports.written
    assert written.activity.activity_id == activity_id and written.activity.version == 1
    assert written.activity.content.tanggal == TODAY and written.activity.content.satuan == "laporan"
    assert written.event_id is not None and written.ctx.skp_id == "skp-1" and written.source == "api"
    assert written.activity.penilai_nip == PENILAI_NIP
    assert uow.reports.counted == [("pemkot-bogor", "api")]
    assert path.answers == {KEY: activity_id.encode()}
    assert [(r["action"], r["actor"]) for r in uow.audit.records] == [("create", NIP)]


def test_a_draft_has_no_event_and_is_not_counted(uow, path, cfg):
    _, _, state = submit(path, cfg, draft=True)
    assert state == act.DRAFT
    assert uow.reports.written[0].event_id is None and uow.reports.counted == []


def test_a_retried_key_gets_the_first_answer_and_writes_nothing(uow, path, cfg):
    _, first, _ = submit(path, cfg)
    assert submit(path, cfg) == ("stored", first)  # the day's context is cached: the joined write's refusal
    path.cache.clear()
    assert submit(path, cfg) == ("stored", first)  # read first: the stored answer before any rule
    assert submit(path, cfg, report(tanggal="2026-13-01")) == ("stored", first)  # even a bad request's retry
    assert len(uow.reports.written) == 1


def test_a_cached_context_joins_the_write_and_skips_the_read(uow, path, cfg):
    submit(path, cfg, key=None)
    reads = path.reads
    submit(path, cfg, key=None)
    assert path.joined == 1 and path.reads == reads and len(uow.reports.written) == 2


def test_a_day_locked_meanwhile_fails_the_guard_reads_again_and_is_refused(uow, path, cfg):
    submit(path, cfg, key=None)  # the context is cached
    path.meanwhile.append(lambda: uow.plans.locked.add((NIP, TODAY)))
    with pytest.raises(FailedPrecondition) as error:
        submit(path, cfg)
    assert error.value.reason == "PERIOD_LOCKED" and path.forgotten == [NIP]
    assert len(uow.reports.written) == 1 and KEY not in path.answers


def test_a_new_skp_version_meanwhile_is_read_again_and_written(uow, path, cfg):
    path.meanwhile.append(lambda: uow.reports.versions.update({"skp-1": 2}))
    submit(path, cfg)
    assert [r.ctx.skp_version for r in uow.reports.written] == [2] and path.forgotten == [NIP]


def test_a_context_that_keeps_changing_is_refused_after_the_second_try(uow, path, cfg):
    path.meanwhile.extend([lambda: uow.reports.versions.update({"skp-1": 2}),
                           lambda: uow.reports.versions.update({"skp-1": 3})])
    with pytest.raises(FailedPrecondition, match="send it again") as error:
        submit(path, cfg)
    assert error.value.field == "tanggal" and uow.reports.written == []


def test_a_locked_day_is_refused(uow, path, cfg):
    uow.plans.locked.add((NIP, TODAY))
    with pytest.raises(FailedPrecondition) as error:
        submit(path, cfg)
    assert (error.value.field, error.value.reason) == ("tanggal", "PERIOD_LOCKED")
    assert uow.reports.written == [] and path.cache == {}  # a locked day is never cached


def test_the_entry_window_closes_on_the_instansi_s_day(uow, path, cfg):
    with pytest.raises(FailedPrecondition, match="closed on 2026-05-05") as error:  # day 5 by default
        submit(path, cfg, report(tanggal="2026-04-30"), key=None)
    assert error.value.field == "tanggal"
    uow.reports.windows["pemkot-bogor"] = 20
    submit(path, cfg, report(tanggal="2026-04-30"), key=None)
    with pytest.raises(FailedPrecondition, match="closed on 2026-04-20"):
        submit(path, cfg, report(tanggal="2026-03-31"), key=None)
    with pytest.raises(InvalidArgument, match="future"):
        submit(path, cfg, report(tanggal="2026-05-15"), key=None)
    assert [r.activity.content.tanggal for r in uow.reports.written] == [dt.date(2026, 4, 30)]


@pytest.mark.parametrize("inp, field", [
    (report(kuantitas="dua"), "kuantitas"),
    (report(kuantitas=""), "kuantitas"),
    (report(kuantitas="0"), "kuantitas"),
    (report(kegiatan_id="k9"), "kegiatan_id"),
    (report(tanggal="14-05-2026"), "tanggal"),
    (report(satuan="jam"), "satuan"),
])
def test_a_bad_request_is_refused_naming_its_field(uow, path, cfg, inp, field):
    with pytest.raises(InvalidArgument) as error:
        submit(path, cfg, inp)
    assert error.value.field == field and uow.reports.written == [] and path.answers == {}


def test_no_skp_covering_the_day_and_a_caller_without_a_nip_are_refused(uow, path, cfg):
    with pytest.raises(FailedPrecondition, match="no approved SKP"):
        submit(path, cfg, report(tanggal="2025-12-31"))
    admin = Principal("admin", ("admin_instansi",), instansi_id="pemkot-bogor")
    for principal in (admin, NOT_AS_PEGAWAI):
        with pytest.raises(PermissionDenied):
            submit(path, cfg, principal=principal)
    assert uow.reports.written == []


def test_evidence_is_checked_and_written_with_the_report(uow, path, cfg):
    with pytest.raises(InvalidArgument) as error:
        submit(path, cfg, report(evidence_file=b"not a pdf", evidence_content_type="application/pdf"))
    assert error.value.field == "evidence_file"
    submit(path, cfg, report(evidence_file=b"%PDF-1.4 ...", evidence_content_type="application/PDF; x=y"))
    (written,) = uow.reports.written
    assert written.evidence.content_type == "application/pdf" and written.evidence.data == b"%PDF-1.4 ..."
    assert list(uow.reports.files) == [(NIP, written.evidence.evidence_id)]


def test_quick_entry_s_submit_writes_in_the_unit_with_its_source(uow, cfg):
    view = activities.submit_activity(uow, PEGAWAI, report(), False, cfg, source="text")
    assert view["state"] == act.SUBMITTED and view["skp_id"] == "skp-1" and view["submitted_at"] == NOW
    assert uow.reports.counted == [("pemkot-bogor", "text")]
    uow.plans.locked.add((NIP, TODAY))
    with pytest.raises(FailedPrecondition):
        activities.submit_activity(uow, PEGAWAI, report(), False, cfg)
    assert len(uow.reports.written) == 1


# -- UpdateActivity, SendActivity -----------------------------------------------------------------------------

def stored(uow, state=act.SUBMITTED, tanggal=dt.date(2026, 5, 12), version=1) -> str:
    activity_id = str(uuid.uuid4())
    content = act.ActivityContent(tanggal=tanggal, jenis="skp", uraian="Menyusun laporan", kuantitas=Decimal(2),
                                  satuan="laporan", kegiatan_id="k1")
    uow.reports.put(act.Activity(activity_id, NIP, PENILAI_NIP, content, state=state, version=version),
                    instansi_id="pemkot-bogor", unit_id="unit-1", skp_id="skp-1", evidence_id=None,
                    submitted_at=None)
    return activity_id


def test_an_edit_of_an_entry_waiting_for_review_is_audited_and_published_again(uow, cfg):
    activity_id = stored(uow)
    view = activities.update_activity(uow, PEGAWAI, activity_id, report(kegiatan_id="k2", kuantitas="3",
                                                                        satuan=""), 1, cfg)
    assert (view["kegiatan_id"], view["kuantitas"], view["satuan"], view["version"]) == ("k2", Decimal(3),
                                                                                         "dokumen", 2)
    assert view["tanggal"] == dt.date(2026, 5, 12)  # no tanggal given: the entry's own
    assert uow.activities.rows[activity_id].content.kuantitas == Decimal(3)
    assert [r["action"] for r in uow.audit.records] == ["edit"]
    assert [e["version"] for e in uow.recorded("activity_submitted")] == [2]


def test_an_edited_draft_is_not_published(uow, cfg):
    activity_id = stored(uow, state=act.DRAFT)
    activities.update_activity(uow, PEGAWAI, activity_id, report(kuantitas="5"), 0, cfg)
    assert uow.recorded("activity_submitted") == [] and uow.activities.rows[activity_id].version == 2


def test_an_edit_keeps_the_kegiatan_s_satuan_and_takes_new_evidence(uow, cfg):
    activity_id = stored(uow)
    with pytest.raises(InvalidArgument) as error:
        activities.update_activity(uow, PEGAWAI, activity_id, report(satuan="jam"), 0, cfg)
    assert error.value.field == "satuan"
    view = activities.update_activity(uow, PEGAWAI, activity_id, report(
        evidence_file=b"\x89PNG\r\n\x1a\n...", evidence_content_type="image/png"), 0, cfg)
    assert view["evidence_id"] is not None and (NIP, view["evidence_id"]) in uow.reports.files
    assert uow.reviews.stored[activity_id]["evidence_id"] == view["evidence_id"]


@pytest.mark.parametrize("rpc", ["update", "send"])
def test_update_and_send_refuse_another_s_entry_a_stale_version_a_locked_day_an_unknown_id(uow, cfg, rpc):
    def call(principal, activity_id, version):
        if rpc == "update":
            return activities.update_activity(uow, principal, activity_id, report(), version, cfg)
        return activities.send_activity(uow, principal, activity_id, version)

    activity_id = stored(uow, state=act.DRAFT if rpc == "send" else act.SUBMITTED)
    for principal in (STRANGER, NOT_AS_PEGAWAI):
        with pytest.raises(PermissionDenied):
            call(principal, activity_id, 0)
    with pytest.raises(Conflict) as error:
        call(PEGAWAI, activity_id, 7)
    assert error.value.field == "expected_version"
    with pytest.raises(NotFound):
        call(PEGAWAI, str(uuid.uuid4()), 0)
    uow.locks.add(NIP, uuid.uuid4(), "skp-1", "day", dt.date(2026, 5, 12), dt.date(2026, 5, 12), PENILAI_NIP)
    with pytest.raises(FailedPrecondition) as error:
        call(PEGAWAI, activity_id, 1)
    assert error.value.reason == "PERIOD_LOCKED"
    assert uow.activities.saved == [] and uow.audit.records == [] and uow.pending == []


def test_sending_a_draft_counts_it_once_and_publishes_it(uow, cfg):
    activity_id = stored(uow, state=act.DRAFT)
    view = activities.send_activity(uow, PEGAWAI, activity_id, 1)
    assert (view["state"], view["version"], view["submitted_at"]) == (act.SUBMITTED, 2, NOW)
    assert uow.reports.counted == [("pemkot-bogor", "send")]
    assert [r["action"] for r in uow.audit.records] == ["send"]
    assert [e["activity_id"] for e in uow.recorded("activity_submitted")] == [activity_id]
    with pytest.raises(FailedPrecondition):  # sent already: the state machine refuses
        activities.send_activity(uow, PEGAWAI, activity_id, 0)


def test_a_resubmission_is_published_but_not_counted_again(uow, cfg):
    activity_id = stored(uow, state=act.REVISION_REQUESTED)
    view = activities.send_activity(uow, PEGAWAI, activity_id, 0)
    assert view["state"] == act.RESUBMITTED and uow.reports.counted == []
    assert len(uow.recorded("activity_submitted")) == 1
