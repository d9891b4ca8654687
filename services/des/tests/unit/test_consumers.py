"""des's event consumers (application/consumers.py) on the in-memory unit of work (des_fakes.py): what des keeps of
skp's documents and identity's employees, and which `monthly_targets_set` it publishes, without PostgreSQL.

The SQL of each step (upserts, the version guard's row lock) is the adapters' (adapters/copies.py, integration
tests); here: an older or repeated version changes nothing, an adjusted split survives a re-approval that still
fits it, a closed document keeps only its served months, a 6/2022 plan publishes no split. Checked failing: with
`_newer` always true, the "keep an adjusted split" condition reduced to `kid not in old`, `uow.skp.close`'s period
end dropped from `skp_closed`, and the `gone` kegiatan not dropped.

The events are built on their definitions (`ekinerja_events`), every field filled as the producers fill them, so a
fixture never sends less than skp or identity do.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import consumers
from ekinerja_events import identity, skp

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI = "197001011990031001"
D = Decimal


@pytest.fixture
def uow():
    return FakeDesUnitOfWork()


def approved(version=1, kegiatan=None, period=("2026-01-01", "2026-12-31"), penilai=PENILAI):
    kegiatan = kegiatan if kegiatan is not None else [("k1", 1, "12"), ("k2", 2, "6")]
    return {"event_id": f"e-{version}", "data": skp.SkpApproved(
        nip=NIP, skp_id="skp-1", version=version, instansi_id="pemkot-bogor", unit_id="u-1", jabatan_id="j-1",
        period_start=dt.date.fromisoformat(period[0]), period_end=dt.date.fromisoformat(period[1]),
        penilai_nip=penilai, atasan_penilai_nip=None,
        kegiatan=tuple(skp.ApprovedKegiatan(kegiatan_id=k, nomor=n, nama=f"kegiatan {k}", satuan="laporan",
                                            kuantitas=D(q), kualitas=D("100"), waktu=D("12"), biaya=D("0"))
                       for k, n, q in kegiatan)).to_data()}


def closed(skp_id, period_end="2026-06-30", kegiatan=()):
    return {"data": skp.SkpClosed(
        nip=NIP, skp_id=skp_id, instansi_id="pemkot-bogor", period_end=dt.date.fromisoformat(period_end),
        reason="moved", nilai_prestasi_kerja=None,
        kegiatan=tuple(skp.ServedKegiatan(kegiatan_id=k, kuantitas=D(q)) for k, q in kegiatan)).to_data()}


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
    consumers.skp_closed(uow, closed("skp-1", kegiatan=[("k1", "6"), ("unknown", "3")]))
    assert (NIP, "skp-1") in uow.store.closed
    assert sorted(months(uow, "k1")) == [(2026, m) for m in range(1, 7)]
    assert sum(months(uow, "k1").values()) == D("6")
    assert uow.store.kegiatan[(NIP, "skp-1")]["k1"]["kuantitas"] == D("6")
    last = uow.recorded("monthly_targets_set")[-1]
    assert last["period_end"] == "2026-06-30" and last["revision"] == 2
    assert uow.skp.audits[-1][2] == "served_targets"


def test_closing_an_unknown_document_or_a_6_2022_plan_publishes_nothing(uow):
    consumers.skp_closed(uow, closed("nowhere"))
    consumers.rencana_kinerja_approved(uow, plan())
    consumers.skp_closed(uow, closed("rk-1"))
    assert uow.recorded("monthly_targets_set") == []
    assert (NIP, "rk-1") in uow.store.closed and uow.skp.forgotten == [NIP, NIP, NIP]


def plan(version=1, rhk=None):
    rhk = rhk if rhk is not None else [("r1", [("i1", "5"), ("i2", "2")]), ("r2", [("i3", None)])]
    return {"data": skp.RencanaKinerjaApproved(
        nip=NIP, skp_id="rk-1", version=version, instansi_id="pemkot-bogor", unit_id="u-1", jabatan_id="j-1",
        ruleset="permenpanrb-6-2022", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
        penilai_nip=PENILAI, atasan_penilai_nip=None, pendekatan="kuantitatif",
        rhk=tuple(skp.Rhk(rhk_id=r, nomor=rn, jenis="utama", uraian=f"RHK {r}", iki=tuple(
            skp.Iki(iki_id=i, nomor=n, uraian=f"IKI {i}", aspek="kuantitas" if t else None, target=t,
                    satuan="dokumen" if t else None) for n, (i, t) in enumerate(iki, start=1)))
            for rn, (r, iki) in enumerate(rhk, start=1))).to_data()}


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


def registered(nama):
    return {"data": identity.EmployeeRegistered(nip=NIP, nama=nama, instansi_id="pemkot-bogor", golongan="III/a",
                                                status="aktif").to_data()}


def assignment(version, unit_id, jabatan_id):
    return {"data": identity.AssignmentChanged(
        assignment_id=f"a-{version}", nip=NIP, instansi_id="pemkot-bogor", acting=False,
        effective_date=dt.date(2026, 1, version), old=None, new=identity.AssignmentAfter(
            jabatan_id=jabatan_id, jabatan_nama="Analis", unit_id=unit_id, unit_nama="Bagian Umum",
            kind="fungsional", job_group="umum", jenis_jabatan=None, start=dt.date(2026, 1, version), end=None),
        penilai_nip=PENILAI, atasan_penilai_nip=None, heads=(PENILAI,), version=version).to_data()}


def test_employees_keep_their_name_and_only_the_newest_assignment(uow):
    consumers.employee_registered(uow, registered("Siti"))
    consumers.employee_status_changed(uow, {"data": identity.EmployeeStatusChanged(
        nip=NIP, instansi_id="pemkot-bogor", old_status="aktif", new_status="cuti",
        effective_date=dt.date(2026, 3, 1), end_date=None).to_data()})
    consumers.assignment_changed(uow, assignment(2, "u-2", "j-2"))
    consumers.assignment_changed(uow, assignment(1, "u-old", "j-old"))  # late: ignored
    row = uow.employees.rows[NIP]
    assert (row["nama"], row["status"], row["unit_id"], row["heads"], row["assignment_version"]) == \
        ("Siti", "cuti", "u-2", [PENILAI], 2)


def test_an_ended_assignment_keeps_no_post(uow):
    ended = assignment(3, "u-2", "j-2")
    ended["data"]["new"] = None
    consumers.assignment_changed(uow, ended)
    row = uow.employees.rows[NIP]
    assert (row["unit_id"], row["jabatan_id"], row["penilai_nip"], row["assignment_version"]) == \
        (None, None, PENILAI, 3)
