"""des's event consumers (application/consumers.py) on the in-memory unit of work (des_fakes.py): what des keeps of
skp's documents and identity's employees, and which `monthly_targets_set` it publishes, without PostgreSQL.

The SQL of each step (upserts, the version guard's row lock) is the adapters' (adapters/copies.py, integration
tests); here: an older or repeated version changes nothing, an adjusted split survives a re-approval that still
fits it, a closed document keeps only its served months, a 6/2022 plan publishes no split. Checked failing: with
`_newer` always true, the "keep an adjusted split" condition reduced to `kid not in old`, `uow.skp.close`'s period
end dropped from `skp_closed`, and the `gone` kegiatan not dropped.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import consumers

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI = "197001011990031001"
D = Decimal


@pytest.fixture
def uow():
    return FakeDesUnitOfWork()


def approved(version=1, kegiatan=None, period=("2026-01-01", "2026-12-31"), penilai=PENILAI):
    kegiatan = kegiatan if kegiatan is not None else [("k1", 1, "12"), ("k2", 2, "6")]
    return {"event_id": f"e-{version}", "data": {
        "nip": NIP, "skp_id": "skp-1", "version": version, "instansi_id": "pemkot-bogor", "unit_id": "u-1",
        "jabatan_id": "j-1", "period_start": period[0], "period_end": period[1], "penilai_nip": penilai,
        "atasan_penilai_nip": None,
        "kegiatan": [{"kegiatan_id": k, "nomor": n, "nama": f"kegiatan {k}", "satuan": "laporan", "kuantitas": q}
                     for k, n, q in kegiatan]}}


def months(uow, kid):
    return uow.store.months[(NIP, "skp-1")][kid]


def test_an_approved_skp_is_kept_split_evenly_and_published(uow):
    consumers.skp_approved(uow, approved())
    doc = uow.store.documents[(NIP, "skp-1")]
    assert (doc.version, doc.penilai_nip, doc.period_end) == (1, PENILAI, dt.date(2026, 12, 31))
    assert set(months(uow, "k1").values()) == {D("1.000")} and len(months(uow, "k1")) == 12
    assert sum(months(uow, "k2").values()) == D("6")
    [published] = uow.recorded("monthly_targets_set")
    assert published["revision"] == 1 and [k["kegiatan_id"] for k in published["kegiatan"]] == ["k1", "k2"]
    assert uow.skp.penilai_followed == [(NIP, "skp-1", PENILAI)]
    assert uow.skp.audits == [(NIP, "skp-1", "skp_approved", "skp", {"version": 1})]
    assert uow.skp.forgotten == [NIP]


@pytest.mark.parametrize("version", [1, 0])
def test_an_older_or_repeated_version_changes_nothing(uow, version):
    consumers.skp_approved(uow, approved(version=1))
    consumers.skp_approved(uow, approved(version=version, kegiatan=[("k1", 1, "24")], penilai="other"))
    assert months(uow, "k1")[(2026, 1)] == D("1.000") and "k2" in uow.store.kegiatan[(NIP, "skp-1")]
    assert len(uow.recorded("monthly_targets_set")) == 1
    assert uow.store.documents[(NIP, "skp-1")].penilai_nip == PENILAI


def test_an_adjusted_split_survives_a_reapproval_that_still_fits_it(uow):
    consumers.skp_approved(uow, approved())
    adjusted = {(2026, m): D("0") for m in range(1, 13)} | {(2026, 6): D("12")}
    uow.targets.set(NIP, "skp-1", "k1", adjusted, "pegawai")
    consumers.skp_approved(uow, approved(version=2))
    assert months(uow, "k1") == adjusted
    consumers.skp_approved(uow, approved(version=3, kegiatan=[("k1", 1, "24"), ("k2", 2, "6")]))
    assert set(months(uow, "k1").values()) == {D("2.000")}  # the total changed: the even split again
    assert [d["revision"] for d in uow.recorded("monthly_targets_set")] == [1, 2, 3]


def test_a_kegiatan_dropped_by_a_new_version_goes_with_its_months(uow):
    consumers.skp_approved(uow, approved())
    consumers.skp_approved(uow, approved(version=2, kegiatan=[("k1", 1, "12")]))
    assert set(uow.store.kegiatan[(NIP, "skp-1")]) == {"k1"}
    assert "k2" not in uow.store.months[(NIP, "skp-1")]
    assert [k["kegiatan_id"] for k in uow.recorded("monthly_targets_set")[-1]["kegiatan"]] == ["k1"]


def test_a_closed_document_keeps_its_served_months_fitted_to_the_served_targets(uow):
    consumers.skp_approved(uow, approved())
    consumers.skp_closed(uow, {"data": {"nip": NIP, "skp_id": "skp-1", "period_end": "2026-06-30",
                                        "kegiatan": [{"kegiatan_id": "k1", "kuantitas": "6"},
                                                     {"kegiatan_id": "unknown", "kuantitas": "3"}]}})
    assert (NIP, "skp-1") in uow.store.closed
    assert sorted(months(uow, "k1")) == [(2026, m) for m in range(1, 7)]
    assert sum(months(uow, "k1").values()) == D("6")
    assert uow.store.kegiatan[(NIP, "skp-1")]["k1"]["kuantitas"] == D("6")
    last = uow.recorded("monthly_targets_set")[-1]
    assert last["period_end"] == "2026-06-30" and last["revision"] == 2
    assert uow.skp.audits[-1][2] == "served_targets"


def test_closing_an_unknown_document_or_a_6_2022_plan_publishes_nothing(uow):
    consumers.skp_closed(uow, {"data": {"nip": NIP, "skp_id": "nowhere", "period_end": "2026-06-30"}})
    consumers.rencana_kinerja_approved(uow, plan())
    consumers.skp_closed(uow, {"data": {"nip": NIP, "skp_id": "rk-1", "period_end": "2026-06-30"}})
    assert uow.recorded("monthly_targets_set") == []
    assert (NIP, "rk-1") in uow.store.closed and uow.skp.forgotten == [NIP, NIP, NIP]


def plan(version=1, rhk=None):
    rhk = rhk if rhk is not None else [("r1", [("i1", "5"), ("i2", "2")]), ("r2", [("i3", None)])]
    return {"data": {"nip": NIP, "skp_id": "rk-1", "version": version, "instansi_id": "pemkot-bogor",
                     "period_start": "2026-01-01", "period_end": "2026-12-31", "penilai_nip": PENILAI,
                     "rhk": [{"rhk_id": r, "iki": [{"iki_id": i, "uraian": f"IKI {i}", "satuan": "dokumen",
                                                     "target": t} for i, t in iki]} for r, iki in rhk]}}


def test_a_6_2022_plan_keeps_its_iki_numbered_over_the_plan_without_a_split(uow):
    consumers.rencana_kinerja_approved(uow, plan())
    rows = uow.store.kegiatan[(NIP, "rk-1")]
    assert [(k, rows[k]["nomor"], rows[k]["rhk_id"], rows[k]["kuantitas"]) for k in ("i1", "i2", "i3")] == \
        [("i1", 1, "r1", D("5.000")), ("i2", 2, "r1", D("2.000")), ("i3", 3, "r2", D("0.000"))]
    assert uow.store.documents[(NIP, "rk-1")].ruleset == consumers.RULESET_622
    assert uow.recorded("monthly_targets_set") == [] and (NIP, "rk-1") not in uow.store.months
    consumers.rencana_kinerja_approved(uow, plan(version=2, rhk=[("r1", [("i2", "3")])]))
    assert set(uow.store.kegiatan[(NIP, "rk-1")]) == {"i2"}
    consumers.rencana_kinerja_approved(uow, plan(version=1))  # late: ignored
    assert set(uow.store.kegiatan[(NIP, "rk-1")]) == {"i2"}


def test_employees_keep_their_name_and_only_the_newest_assignment(uow):
    consumers.employee_registered(uow, {"data": {"nip": NIP, "nama": "Siti", "instansi_id": "pemkot-bogor",
                                                 "status": "aktif"}})
    consumers.employee_registered(uow, {"data": {"nip": NIP, "instansi_id": "pemkot-bogor", "status": "aktif"}})
    consumers.employee_status_changed(uow, {"data": {"nip": NIP, "new_status": "cuti"}})
    change = {"nip": NIP, "instansi_id": "pemkot-bogor", "penilai_nip": PENILAI, "heads": [PENILAI],
              "new": {"unit_id": "u-2", "jabatan_id": "j-2"}}
    consumers.assignment_changed(uow, {"data": {**change, "version": 2}})
    consumers.assignment_changed(uow, {"data": {**change, "version": 1, "new": {"unit_id": "u-old"}}})
    row = uow.employees.rows[NIP]
    assert (row["nama"], row["status"], row["unit_id"], row["heads"], row["assignment_version"]) == \
        ("Siti", "cuti", "u-2", [PENILAI], 2)
