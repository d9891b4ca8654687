"""des's reads (application/reads.py) on fakes (des_fakes.py): no PostgreSQL.

GetActivity and GetEvidence (the employee, its penilai and heads read; others do not), ListActivities (a month in
pages, a state filter), GetDay (the day's plans and reports and the month's targets with what was reported and
recognised), GetAuditTrail (pages, oldest first). Checked failing: with `authorize` dropped from
`_readable_entry`, `read_target` dropped there (a head is refused), the state check dropped, the audit trail's
page key reversed.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import reads
from des.application.ports import DaySkp, NewEvidence
from des.domain import activity as act
from ekinerja_platform.domain_errors import InvalidArgument, NotFound, PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI_NIP = "197001011990031001"
HEAD_NIP = "196501011985031001"
OTHER = "199001012015011002"
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
PENILAI = Principal(PENILAI_NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=PENILAI_NIP)
HEAD = Principal(HEAD_NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=HEAD_NIP)
STRANGER = Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor", nip=OTHER)
ADMIN_ELSEWHERE = Principal("admin", ("admin_instansi",), instansi_id="pemkab-bogor")
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)  # 14 May in WIB



@pytest.fixture
def uow(cfg):
    uow = FakeDesUnitOfWork()
    uow.relations.add_skp(NIP, dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                          DaySkp("skp-1", "pemkot-bogor", PENILAI_NIP))
    uow.relations.heads[NIP] = frozenset({HEAD_NIP})
    return uow


def stored(uow, day: int, state=act.SUBMITTED, kuantitas="2", kegiatan_id="k1", diakui=None, month=5,
           evidence_id=None) -> str:
    activity_id = str(uuid.uuid4())
    content = act.ActivityContent(tanggal=dt.date(2026, month, day), jenis="skp", uraian="Menyusun laporan",
                                  kuantitas=Decimal(kuantitas), satuan="laporan", kegiatan_id=kegiatan_id)
    uow.reports.put(act.Activity(activity_id, NIP, PENILAI_NIP, content, state=state, version=1,
                                 kuantitas_diakui=None if diakui is None else Decimal(diakui)),
                    instansi_id="pemkot-bogor", unit_id="unit-1", skp_id="skp-1", evidence_id=evidence_id,
                    submitted_at=None)
    return activity_id


def test_an_activity_is_read_by_its_employee_penilai_and_heads_only(uow):
    activity_id = stored(uow, 12)
    for principal in (PEGAWAI, PENILAI, HEAD):
        assert reads.get_activity(uow, principal, activity_id)["activity_id"] == activity_id
    for principal in (STRANGER, ADMIN_ELSEWHERE):
        with pytest.raises(PermissionDenied):
            reads.get_activity(uow, principal, activity_id)
    with pytest.raises(NotFound) as error:
        reads.get_activity(uow, PEGAWAI, "not-an-id")
    assert error.value.field == "activity_id"


def test_evidence_is_served_to_a_reader_and_its_absence_said(uow):
    file = NewEvidence(uuid.uuid4(), "application/pdf", "sha", b"%PDF-1.4")
    uow.reports.add_evidence(NIP, file)
    with_file, without = stored(uow, 12, evidence_id=file.evidence_id), stored(uow, 13)
    assert reads.get_evidence(uow, PENILAI, with_file).data == b"%PDF-1.4"
    with pytest.raises(NotFound, match="no evidence file"):
        reads.get_evidence(uow, PEGAWAI, without)
    with pytest.raises(PermissionDenied):
        reads.get_evidence(uow, STRANGER, with_file)


def test_a_month_is_listed_in_pages_in_day_then_entry_order(uow, cfg):
    ids = [stored(uow, day) for day in (12, 3, 3, 20)] + [stored(uow, 30, month=4)]
    first, token = reads.list_activities(uow, PEGAWAI, "", "2026-05", "", cfg, page_size=3)
    rest, last = reads.list_activities(uow, PEGAWAI, "", "2026-05", "", cfg, page_size=3, page_token=token)
    assert [str(v["activity_id"]) for v in first + rest] == [ids[1], ids[2], ids[0], ids[3]]
    assert token and last == ""
    listed, _ = reads.list_activities(uow, PENILAI, NIP, "2026-04", "", cfg)
    assert [str(v["activity_id"]) for v in listed] == [ids[4]]


def test_a_month_list_filters_by_state_and_refuses_an_unknown_one_or_a_stranger(uow, cfg):
    stored(uow, 3, state=act.DRAFT)
    sent = stored(uow, 4)
    listed, _ = reads.list_activities(uow, PEGAWAI, "", "2026-05", act.SUBMITTED, cfg)
    assert [str(v["activity_id"]) for v in listed] == [sent]
    with pytest.raises(InvalidArgument) as error:
        reads.list_activities(uow, PEGAWAI, "", "2026-05", "lost", cfg)
    assert error.value.field == "state"
    with pytest.raises(PermissionDenied):
        reads.list_activities(uow, STRANGER, NIP, "2026-05", "", cfg)
    with pytest.raises(InvalidArgument) as error:
        reads.list_activities(uow, PEGAWAI, "", "2026-5", "", cfg)
    assert error.value.field == "bulan"


def test_get_day_gives_the_day_s_plans_reports_and_the_month_s_targets_with_totals(uow, cfg):
    uow.targets.add(NIP, "skp-1", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                    kegiatan={"k1": ("laporan", "24", {(2026, 5): "2", (2026, 6): "2"}),
                              "k2": ("dokumen", "12", {(2026, 5): "1"})})
    today = stored(uow, 14, kuantitas="2")
    stored(uow, 14, state=act.DRAFT, kuantitas="5")                      # a draft is not reported
    stored(uow, 2, state=act.APPROVED, kuantitas="3", diakui="1.5")      # recognised at the penilai's amount
    stored(uow, 30, month=4, state=act.APPROVED, kuantitas="9")          # another month
    uow.plans.add(dict(nip=NIP, plan_id=uuid.uuid4(), tanggal=dt.date(2026, 5, 14), kegiatan_id="k1"))
    day = reads.get_day(uow, PENILAI, NIP, "", cfg)
    assert day["tanggal"] == dt.date(2026, 5, 14) and day["skp_id"] == "skp-1"
    assert [p["kegiatan_id"] for p in day["plans"]] == ["k1"]
    assert sorted(str(a["activity_id"]) for a in day["activities"] if a["state"] != act.DRAFT) == [today]
    assert [(t.kegiatan_id, t.bulan, reported, done) for t, reported, done in day["kegiatan"]] == [
        ("k1", 5, Decimal(5), Decimal("1.5")), ("k2", 5, 0, 0)]
    with pytest.raises(PermissionDenied):
        reads.get_day(uow, STRANGER, NIP, "", cfg)


def test_get_day_without_an_skp_has_no_targets(uow, cfg):
    day = reads.get_day(uow, PEGAWAI, "", "2025-06-01", cfg)
    assert (day["skp_id"], day["kegiatan"], day["activities"]) == ("", [], [])


def test_the_audit_trail_is_paged_oldest_first_and_read_by_readers_only(uow, cfg):
    for n in range(3):
        uow.audit.record(NIP, "activity", f"a{n}", "edit", NIP, None, {"n": n})
    uow.audit.record(OTHER, "activity", "x", "edit", OTHER, None, {})
    first, token = reads.audit_trail(uow, PEGAWAI, "", "", cfg, page_size=2)
    rest, last = reads.audit_trail(uow, PENILAI, NIP, "", cfg, page_size=2, page_token=token)
    assert [r.entity_id for r in first + rest] == ["a0", "a1", "a2"] and last == ""
    only, _ = reads.audit_trail(uow, PEGAWAI, "", "a1", cfg)
    assert [r.after for r in only] == [{"n": 1}]
    with pytest.raises(PermissionDenied):
        reads.audit_trail(uow, STRANGER, NIP, "", cfg)
