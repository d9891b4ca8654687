"""Monthly targets and kualitas (application/monthly.py) on the in-memory unit of work: no PostgreSQL, no broker.

SetMonthlyTargets replaces one kegiatan's split (adding up to the yearly target, months of the period only, a
locked month unchanged), audits it and publishes the document's `monthly_targets_set`; a 6/2022 SKP has none.
SetMonthlyQuality records the penilai's kualitas of a kegiatan-month with its event. Checked failing: with
`publish` dropped, the lock check dropped, the 6/2022 refusal dropped, `authorize` dropped from each use case,
`uow.record` dropped from SetMonthlyQuality and the 0-100 check loosened to 0-1000.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import monthly
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI_NIP = "197001011990031001"
OTHER = "199001012015011002"
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
PENILAI = Principal(PENILAI_NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=PENILAI_NIP)
STRANGER = Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor", nip=OTHER)
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 14 May
EVEN = [(f"2026-{m:02d}", "3") for m in range(9, 13)]  # 12 over September-December



@pytest.fixture
def uow(cfg):
    uow = FakeDesUnitOfWork()
    uow.targets.add(NIP, "skp-1", dt.date(2026, 9, 1), dt.date(2026, 12, 31), penilai_nip=PENILAI_NIP, kegiatan={
        "k1": ("konsep", "12", {(2026, m): "3" for m in range(9, 13)}),
        "k2": ("laporan", "4", {(2026, m): "1" for m in range(9, 13)})})
    return uow


def split(uow, kegiatan_id="k1") -> dict:
    return {(r.tahun, r.bulan): r.kuantitas for r in uow.targets.rows(NIP, "skp-1") if r.kegiatan_id == kegiatan_id}


def test_the_employee_reads_the_split_in_kegiatan_then_month_order(uow, cfg):
    skp_id, rows = monthly.get_monthly_targets(uow, PEGAWAI, "", "skp-1", cfg)
    assert skp_id == "skp-1"
    assert [(r.kegiatan_id, r.bulan) for r in rows][:5] == [("k1", 9), ("k1", 10), ("k1", 11), ("k1", 12), ("k2", 9)]
    with pytest.raises(PermissionDenied):
        monthly.get_monthly_targets(uow, STRANGER, NIP, "skp-1", cfg)
    with pytest.raises(NotFound):
        monthly.get_monthly_targets(uow, PEGAWAI, "", "", cfg)  # no SKP covers today (May)


def test_a_new_split_is_set_audited_and_published(uow, cfg):
    proposed = [("2026-09", "6"), ("2026-10", "2"), ("2026-11", "2"), ("2026-12", "2")]
    _, rows = monthly.set_monthly_targets(uow, PEGAWAI, "", "skp-1", "k1", proposed, cfg)
    assert split(uow)[(2026, 9)] == Decimal(6) and len(rows) == 8
    [audit] = uow.audit.records
    assert (audit["entity"], audit["entity_id"], audit["action"]) == ("monthly_targets", "skp-1/k1", "adjust")
    assert audit["before"]["2026-09"] == "3" and audit["after"]["2026-09"] == "6.000"
    [event] = uow.recorded("monthly_targets_set")
    k1 = event["kegiatan"][0]
    assert k1["kegiatan_id"] == "k1" and k1["months"][8] == {"tahun": 2026, "bulan": 9, "kuantitas": "6.000"}


@pytest.mark.parametrize("proposed, field", [
    ([("2026-09", "12")], "targets"),                                  # the other months are missing
    ([*EVEN[:3], ("2026-12", "4")], "targets"),                        # 13, not 12
    ([*EVEN, ("2027-01", "0")], "targets.bulan"),                      # outside the period
    ([*EVEN, ("2026-09", "3")], "targets[4].bulan"),                   # twice
    ([("2026-9", "3")], "targets[0].bulan"),
])
def test_a_bad_split_names_the_field_and_changes_nothing(uow, cfg, proposed, field):
    with pytest.raises(InvalidArgument) as err:
        monthly.set_monthly_targets(uow, PEGAWAI, "", "skp-1", "k1", proposed, cfg)
    assert err.value.field == field
    assert split(uow)[(2026, 9)] == Decimal(3) and uow.recorded("monthly_targets_set") == []


def test_a_locked_month_keeps_its_target_but_the_others_may_move(uow, cfg):
    uow.locks.add(NIP, uuid.uuid4(), "skp-1", "day", dt.date(2026, 9, 7), dt.date(2026, 9, 7), PENILAI_NIP)
    moved = [("2026-09", "4"), ("2026-10", "2"), ("2026-11", "3"), ("2026-12", "3")]
    with pytest.raises(FailedPrecondition, match="2026-09 tidak dapat diubah: tanggal 2026-09-07") as err:
        monthly.set_monthly_targets(uow, PEGAWAI, "", "skp-1", "k1", moved, cfg)
    assert err.value.reason == "PERIOD_LOCKED" and uow.recorded("monthly_targets_set") == []
    kept = [("2026-09", "3"), ("2026-10", "2"), ("2026-11", "4"), ("2026-12", "3")]
    monthly.set_monthly_targets(uow, PEGAWAI, "", "skp-1", "k1", kept, cfg)
    assert split(uow)[(2026, 10)] == Decimal(2)


def test_an_unknown_kegiatan_or_a_6_2022_skp_is_refused(uow, cfg):
    with pytest.raises(InvalidArgument) as err:
        monthly.set_monthly_targets(uow, PEGAWAI, "", "skp-1", "k9", EVEN, cfg)
    assert err.value.field == "kegiatan_id"
    uow.targets.add(NIP, "rhk-1", dt.date(2026, 9, 1), dt.date(2026, 12, 31), ruleset="permenpanrb-6-2022",
                    kegiatan={"k1": ("konsep", "12", {})})
    with pytest.raises(FailedPrecondition, match="6/2022"):
        monthly.set_monthly_targets(uow, PEGAWAI, "", "rhk-1", "k1", EVEN, cfg)


def test_only_the_employee_adjusts_the_split(uow, cfg):
    for principal in (STRANGER, Principal(NIP, ("operator",), instansi_id="pemkot-bogor", nip=NIP)):
        with pytest.raises(PermissionDenied):
            monthly.set_monthly_targets(uow, principal, NIP, "skp-1", "k1", EVEN, cfg)
    assert uow.recorded("monthly_targets_set") == []


def test_the_penilai_rates_a_month_with_its_audit_and_event(uow):
    row = monthly.set_monthly_quality(uow, PENILAI, NIP, "skp-1", "k2", "2026-10", "87.5")
    assert (row.kegiatan_id, row.bulan, row.kualitas) == ("k2", 10, Decimal("87.5"))
    assert uow.audit.records[-1]["before"] == {"kualitas": None}
    assert uow.audit.records[-1]["after"] == {"kualitas": "87.5"}
    assert uow.recorded("monthly_quality_set") == [{
        "skp_id": "skp-1", "nip": NIP, "instansi_id": "pemkot-bogor", "kegiatan_id": "k2", "tahun": 2026,
        "bulan": 10, "kualitas": "87.50"}]
    monthly.set_monthly_quality(uow, PENILAI, NIP, "skp-1", "k2", "2026-10", "90")
    assert uow.audit.records[-1]["before"] == {"kualitas": "87.5"}


@pytest.mark.parametrize("kegiatan_id, bulan, kualitas, error, field", [
    ("k2", "2026-10", "100.01", InvalidArgument, "kualitas"),
    ("k2", "2026-10", "-1", InvalidArgument, "kualitas"),
    ("k2", "2026-10", "80.123", InvalidArgument, "kualitas"),
    ("k2", "2026-13", "80", InvalidArgument, "bulan"),
    ("k2", "2027-01", "80", NotFound, "kegiatan_id"),
    ("k9", "2026-10", "80", NotFound, "kegiatan_id"),
])
def test_a_bad_kualitas_names_the_field(uow, kegiatan_id, bulan, kualitas, error, field):
    with pytest.raises(error) as err:
        monthly.set_monthly_quality(uow, PENILAI, NIP, "skp-1", kegiatan_id, bulan, kualitas)
    assert err.value.field == field and uow.recorded("monthly_quality_set") == []


def test_only_the_penilai_rates(uow):
    for principal in (PEGAWAI, STRANGER):
        with pytest.raises(PermissionDenied):
            monthly.set_monthly_quality(uow, principal, NIP, "skp-1", "k2", "2026-10", "80")
    with pytest.raises(NotFound):
        monthly.set_monthly_quality(uow, PENILAI, NIP, "skp-9", "k2", "2026-10", "80")
