"""Issue 22 item 3 against the real skp service and PostgreSQL: the periodic-evaluation cadence an instansi uses in a
year. Set (audited, shown by GetRulesetSetting and the CLI), enforced where a periodic evaluation is opened or rated
(a month refused in a quarterly year naming `periode` and the cadence; a quarter and the annual accepted), and fixed
once a periodic evaluation of the year exists (FAILED_PRECONDITION, nothing changed)."""
from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa
from skp_testlib import Cli, key, new_nip, rpc_error, wait_for

pytestmark = pytest.mark.integration
RULESET = "permenpanrb-6-2022"


def _document(stub, pb, auth, nip):
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=auth, timeout=5).documents))
    return doc


def _approve(stub, pb, skp_id, owner, penilai, rhk):
    version = stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=skp_id), metadata=owner,
                                     timeout=5).rencana.version
    stub.UpdateRencanaKinerja(pb.UpdateRencanaKinerjaRequest(skp_id=skp_id, expected_version=version,
                                                             pendekatan="kuantitatif", rhk=rhk),
                              metadata=owner + key(), timeout=5)
    stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=skp_id), metadata=owner + key(), timeout=5)
    return stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=skp_id), metadata=penilai + key(),
                                      timeout=5).rencana


def _siklus(stub, pb, instansi, siklus, auth, reason="Siklus evaluasi instansi"):
    return stub.SetSiklusEvaluasi(pb.SetSiklusEvaluasiRequest(instansi_id=instansi, tahun=2024,
                                                              siklus_evaluasi=siklus, reason=reason),
                                  metadata=auth + key(), timeout=10).setting


def _audit(skp_engine, instansi):
    with skp_engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT old_value, new_value, reason FROM setting_audit WHERE setting = 'siklus_evaluasi' "
            "AND instansi_id = :i AND key = '2024' ORDER BY id"), {"i": instansi})]


def test_cadence_is_set_enforced_and_fixed_once_used(stub, pb, world, skp_engine, skp_service, test_keys,
                                                     tmp_path):
    instansi = f"inst-sik-{uuid.uuid4().hex[:6]}"
    admin = world.token(roles=("admin_instansi",), instansi=instansi)
    stub.SetRulesetSetting(pb.SetRulesetSettingRequest(instansi_id=instansi, tahun=2024, ruleset=RULESET,
                                                       reason="Mulai PermenPANRB 6/2022"), metadata=admin, timeout=10)
    shown = stub.GetRulesetSetting(pb.GetRulesetSettingRequest(instansi_id=instansi, tahun=2024), metadata=admin,
                                   timeout=10).setting
    assert (shown.siklus_evaluasi, shown.siklus_is_set) == ("triwulanan", False)  # the documented default

    # who and what: a pegawai may not set it; an unknown cadence is refused naming the field; nothing stored
    error = rpc_error(lambda: _siklus(stub, pb, instansi, "bulanan", world.token(new_nip(), instansi=instansi)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = rpc_error(lambda: _siklus(stub, pb, instansi, "mingguan", admin))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "siklus_evaluasi" in error.details()
    assert _audit(skp_engine, instansi) == []

    # admin_bkn sets it monthly, the instansi's admin quarterly (no evaluation yet: both accepted, both audited)
    assert _siklus(stub, pb, instansi, "bulanan", world.token(roles=("admin_bkn",))).siklus_evaluasi == "bulanan"
    setting = _siklus(stub, pb, instansi, "triwulanan", admin, reason="Evaluasi per triwulan")
    assert (setting.siklus_evaluasi, setting.siklus_is_set, setting.ruleset) == ("triwulanan", True, RULESET)
    assert [(c.old_value, c.new_value) for c in setting.siklus_history] == [("", "bulanan"),
                                                                            ("bulanan", "triwulanan")]
    assert _audit(skp_engine, instansi) == [(None, "bulanan", "Siklus evaluasi instansi"),
                                            ("bulanan", "triwulanan", "Evaluasi per triwulan")]

    # a JPT (the penilai) and an employee of the instansi with approved plans
    kadis, jpt, pegawai = new_nip(), new_nip(), new_nip()
    old, world.instansi = world.instansi, instansi
    try:
        world.publish("identity", "employee_registered", {
            "nip": jpt, "nama": "Dr. Sri Wahyuni", "instansi_id": instansi, "golongan": "IV/b",
            "status": "aktif"}, nip=jpt)
        world.assign(jpt, f"jab-sik-jpt-{uuid.uuid4().hex[:6]}", "2024-01-02", kind="struktural_jpt",
                     penilai=kadis, nama="Kepala Badan")
        world.assign(pegawai, f"jab-sik-{uuid.uuid4().hex[:6]}", "2024-01-02", penilai=jpt, atasan=kadis,
                     nama="Analis Kebijakan")
    finally:
        world.instansi = old
    a, me, k = (world.token(n, instansi=instansi) for n in (jpt, pegawai, kadis))
    atasan_doc, doc = _document(stub, pb, a, jpt), _document(stub, pb, me, pegawai)
    iki = pb.IkiInput(uraian="Jumlah naskah", aspek="kuantitas", target="4", satuan="dokumen")
    parent = _approve(stub, pb, atasan_doc.skp_id, a, k, [pb.RhkInput(
        jenis="utama", uraian="Meningkatnya kualitas kebijakan", sasaran_organisasi="Kebijakan berbasis bukti",
        perspektif="proses bisnis", iki=[iki])]).approved_rhk[0].rhk_id
    approved = _approve(stub, pb, doc.skp_id, me, a, [pb.RhkInput(
        jenis="utama", uraian="Tersusunnya rekomendasi", rhk_atasan_id=parent, iki=[iki])])
    iki_id = approved.approved_rhk[0].iki[0].iki_id

    def realise(periode):
        return stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=doc.skp_id, periode=periode, iki_id=iki_id,
                                                               realisasi="1"), metadata=me + key(), timeout=5)

    def rate(periode):
        return stub.RateEvaluasi(pb.RateEvaluasiRequest(skp_id=doc.skp_id, periode=periode, hasil_kerja="sesuai",
                                                        perilaku="sesuai"), metadata=a + key(), timeout=5)

    # a month in a quarterly year: refused to open, to rate and for feedback, naming periode and the cadence
    for call in (lambda: realise("2024-02"), lambda: rate("2024-02"), lambda: stub.AddUmpanBalik(
            pb.AddUmpanBalikRequest(skp_id=doc.skp_id, periode="2024-02", perilaku="loyal", catatan="Baik"),
            metadata=a + key(), timeout=5)):
        error = rpc_error(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "periode" in error.details() and "triwulanan" in error.details()
    listed = stub.ListEvaluasi(pb.ListEvaluasiRequest(skp_id=doc.skp_id), metadata=me, timeout=5).evaluasi
    assert list(listed) == []  # nothing opened

    # the quarter and the annual open and rate; the JPT's own quarter too
    realise("2024-Q1")
    assert rate("2024-Q1").evaluasi.predikat == "baik"
    realise("2024")
    assert rate("2024").evaluasi.predikat == "baik"

    # the cadence is now fixed for 2024: another one refused and nothing changed; the one in force is accepted
    error = rpc_error(lambda: _siklus(stub, pb, instansi, "bulanan", admin))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "siklus_evaluasi" in error.details()
    assert len(_siklus(stub, pb, instansi, "triwulanan", admin).siklus_history) == 2
    assert len(_audit(skp_engine, instansi)) == 2

    # the CLI: set for another year and shown by `aturan lihat` (Indonesian)
    cli = Cli(tmp_path / "admin", skp_service.target, test_keys.token(
        subject="admin-cli", roles=["admin_instansi"], instansi=instansi, ttl_seconds=3600))
    done = cli.json("skp", "aturan", "siklus", instansi, "2025", "bulanan", "--alasan", "Evaluasi bulanan")
    assert (done["setting"]["siklus_evaluasi"], done["setting"]["siklus_is_set"]) == ("bulanan", True)
    shown = cli("skp", "aturan", "lihat", instansi, "2025")
    assert shown.returncode == 0 and "Siklus evaluasi periodik: bulanan" in shown.stdout
    refused = cli("skp", "aturan", "siklus", instansi, "2024", "bulanan", "--alasan", "Ganti")
    assert refused.returncode != 0 and "tidak dapat diubah" in refused.stderr
