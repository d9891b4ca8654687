"""Issue 22 leftovers against the real skp service and PostgreSQL, for one instansi appraising 2024 under
PermenPANRB 6/2022:

- a position template holds RHK/IKI; the holder's new document starts with them as a draft plan (own ids, no
  intervensi: submitting before picking the atasan's RHK is refused naming the field);
- the PyB's finalisation: refused while the spread breaks the curve, listing every broken rule with its counts,
  nothing stored; with a written exception final (audited once, idempotent); before it the results show as not
  final, after it no rating or organisation predikat changes the period;
- the SIASN export of the stored evaluation: only once final, for the employee/penilai/admin, equal to the offline
  ``ekinerja skp siasn`` on the same values (the predikat sent is the matrix's).
"""
from __future__ import annotations

import json
import subprocess
import uuid

import grpc
import pytest
import sqlalchemy as sa
from skp_testlib import Cli, key, new_nip, rpc_error, wait_for
from sqlalchemy.orm import Session

from ekinerja_platform.testing import REPO_ROOT
from ekinerja_rules.permenpanrb_6_2022 import Predikat, Rating, predikat_for

pytestmark = pytest.mark.integration
RULESET = "permenpanrb-6-2022"
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")


def _document(stub, pb, auth, nip):
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=auth, timeout=5).documents))
    return doc


def _iki(uraian, target):
    return pb_module().IkiInput(uraian=uraian, aspek="kuantitas", target=target, satuan="dokumen")


def pb_module():
    from ekinerja.skp.v1 import skp_pb2
    return skp_pb2


def _approve_plan(stub, pb, skp_id, owner, penilai, rhk):
    version = stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=skp_id), metadata=owner,
                                     timeout=5).rencana.version
    stub.UpdateRencanaKinerja(pb.UpdateRencanaKinerjaRequest(skp_id=skp_id, expected_version=version,
                                                             pendekatan="kuantitatif", rhk=rhk),
                              metadata=owner + key(), timeout=5)
    stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=skp_id), metadata=owner + key(), timeout=5)
    return stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=skp_id), metadata=penilai + key(),
                                      timeout=5).rencana


def _realise(stub, pb, skp_id, owner, periode, approved):
    for r in approved.approved_rhk:
        for k in r.iki:
            stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=skp_id, periode=periode, iki_id=k.iki_id,
                                                           realisasi="1"), metadata=owner + key(), timeout=5)


def test_template_rhk_finalisation_and_the_siasn_export(stub, pb, world, skp_engine, skp_service, test_keys,
                                                        tmp_path):
    instansi = f"inst-fin-{uuid.uuid4().hex[:6]}"
    admin = world.token(roles=("admin_instansi",), instansi=instansi)
    stub.SetRulesetSetting(pb.SetRulesetSettingRequest(instansi_id=instansi, tahun=2024, ruleset=RULESET,
                                                       reason="Mulai PermenPANRB 6/2022"), metadata=admin, timeout=10)
    kadis, jpt, pegawai, colleague = new_nip(), new_nip(), new_nip(), new_nip()
    jabatan = f"jab-fin-{uuid.uuid4().hex[:6]}"
    old, world.instansi = world.instansi, instansi
    try:
        world.position(jabatan, "Analis Kebijakan", instansi=instansi)
        world.publish("identity", "employee_registered", {
            "nip": jpt, "nama": "Dr. Sri Wahyuni", "instansi_id": instansi, "golongan": "IV/b",
            "status": "aktif"}, nip=jpt)
        # the position's template: RHK/IKI for 6/2022 holders (no atasan link; refusals change nothing)
        template = wait_for(lambda: stub.GetTemplate(pb.GetTemplateRequest(jabatan_id=jabatan), metadata=admin,
                                                     timeout=5))
        rhk = [pb.RhkInput(jenis="utama", uraian="Tersusunnya rekomendasi kebijakan",
                           iki=[_iki("Jumlah naskah rekomendasi", "4"), _iki("Jumlah kajian", "2")]),
               pb.RhkInput(jenis="tambahan", uraian="Terlaksananya sosialisasi", iki=[_iki("Jumlah sosialisasi", "3")])]
        error = rpc_error(lambda: stub.UpdateTemplateRhk(pb.UpdateTemplateRhkRequest(
            jabatan_id=jabatan, expected_version=template.version, pendekatan="kuantitatif", reason="RHK jabatan",
            rhk=[pb.RhkInput(jenis="utama", uraian="x", rhk_atasan_id=str(uuid.uuid4()), iki=[_iki("y", "1")])]),
            metadata=admin + key(), timeout=5))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "rhk[0].rhk_atasan_id" in error.details()
        error = rpc_error(lambda: stub.UpdateTemplateRhk(pb.UpdateTemplateRhkRequest(
            jabatan_id=jabatan, expected_version=template.version, pendekatan="kuantitatif", reason="RHK jabatan",
            rhk=rhk[1:]), metadata=admin + key(), timeout=5))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "utama" in error.details()
        error = rpc_error(lambda: stub.UpdateTemplateRhk(pb.UpdateTemplateRhkRequest(
            jabatan_id=jabatan, expected_version=template.version, pendekatan="kuantitatif", reason="RHK jabatan",
            rhk=rhk), metadata=world.token(new_nip(), instansi=instansi) + key(), timeout=5))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        version = stub.UpdateTemplateRhk(pb.UpdateTemplateRhkRequest(
            jabatan_id=jabatan, expected_version=template.version, pendekatan="kuantitatif", reason="RHK jabatan",
            rhk=rhk), metadata=admin + key(), timeout=5).version
        assert version.version == template.version + 1 and [r.uraian for r in version.rhk] == [
            "Tersusunnya rekomendasi kebijakan", "Terlaksananya sosialisasi"]
        assert [k.target for k in version.rhk[0].iki] == ["4", "2"] and version.kegiatan == template.kegiatan
        shown = stub.GetTemplate(pb.GetTemplateRequest(jabatan_id=jabatan), metadata=admin, timeout=5)
        assert (shown.version, shown.pendekatan, len(shown.rhk)) == (version.version, "kuantitatif", 2)

        world.assign(jpt, f"jab-fin-jpt-{uuid.uuid4().hex[:6]}", "2024-01-02", kind="struktural_jpt", penilai=kadis,
                     nama="Kepala Badan")
        world.assign(pegawai, jabatan, "2024-01-02", penilai=jpt, atasan=kadis, nama="Analis Kebijakan")
    finally:
        world.instansi = old
    a, me, k = (world.token(n, instansi=instansi) for n in (jpt, pegawai, kadis))
    atasan_doc, doc = _document(stub, pb, a, jpt), _document(stub, pb, me, pegawai)
    assert (atasan_doc.ruleset, doc.ruleset) == (RULESET, RULESET)

    # the holder's document starts with the template's RHK/IKI as its draft plan, under ids of its own
    draft = stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=doc.skp_id), metadata=me, timeout=5).rencana
    assert (draft.status, draft.pendekatan) == ("draft", "kuantitatif")
    assert [(r.jenis, r.uraian, [i.uraian for i in r.iki], r.rhk_atasan_id) for r in draft.rhk] == [
        ("utama", "Tersusunnya rekomendasi kebijakan", ["Jumlah naskah rekomendasi", "Jumlah kajian"], ""),
        ("tambahan", "Terlaksananya sosialisasi", ["Jumlah sosialisasi"], "")]
    assert all(r.rhk_id and r.rhk_id not in {x.rhk_id for x in version.rhk} for r in draft.rhk)
    error = rpc_error(lambda: stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=doc.skp_id),
                                                        metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "rhk[0].rhk_atasan_id" in error.details()

    # the atasan's plan (a JPT's, from the organisation's plan), then the holder picks the intervensi and keeps ids
    atasan_plan = _approve_plan(stub, pb, atasan_doc.skp_id, a, k, [pb.RhkInput(
        jenis="utama", uraian="Meningkatnya kualitas kebijakan", sasaran_organisasi="Kebijakan berbasis bukti",
        perspektif="proses bisnis", iki=[_iki("Indeks kualitas kebijakan", "80")])])
    parent = atasan_plan.approved_rhk[0].rhk_id
    picked = [pb.RhkInput(rhk_id=r.rhk_id, jenis=r.jenis, uraian=r.uraian, rhk_atasan_id=parent,
                          iki=[pb.IkiInput(iki_id=i.iki_id, uraian=i.uraian, aspek=i.aspek, target=i.target,
                                           satuan=i.satuan) for i in r.iki]) for r in draft.rhk]
    approved = _approve_plan(stub, pb, doc.skp_id, me, a, picked)
    assert [r.rhk_id for r in approved.approved_rhk] == [r.rhk_id for r in draft.rhk]

    # rated for 2024-Q1: predikat baik, shown as not final; no SIASN export yet
    _realise(stub, pb, doc.skp_id, me, "2024-Q1", approved)
    rated = stub.RateEvaluasi(pb.RateEvaluasiRequest(skp_id=doc.skp_id, periode="2024-Q1", hasil_kerja="di_atas",
                                                     perilaku="sesuai"), metadata=a + key(), timeout=5).evaluasi
    assert (rated.predikat, rated.final) == ("baik", False)

    def siasn(auth, periode="2024-Q1"):
        return stub.GetSiasnExport(pb.GetSiasnExportRequest(skp_id=doc.skp_id, periode=periode, periodik_id="p-1"),
                                   metadata=auth, timeout=5)
    error = rpc_error(lambda: siasn(me))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "periode" in error.details()

    # four more of the instansi's employees rated sangat_baik: N = 5, baik curve broken (no BP or K)
    from skp.adapters.predikat_repository import record_predikat
    with skp_engine.begin() as conn, Session(bind=conn) as session:
        for _ in range(4):
            record_predikat(session, instansi_id=instansi, periode="2024-Q1", nip=new_nip(), predikat="sangat_baik",
                            source="test")
        session.flush()
    stub.SetPredikatOrganisasi(pb.SetPredikatOrganisasiRequest(instansi_id=instansi, periode="2024-Q1",
                                                               predikat="baik", reason="PyB"), metadata=admin,
                               timeout=10)
    check = stub.CheckDistribution(pb.CheckDistributionRequest(instansi_id=instansi, periode="2024-Q1"),
                                   metadata=admin, timeout=10)
    assert (check.jumlah_pegawai, check.memenuhi, check.final) == (5, False, False)

    def finalise(auth, alasan="", metadata=None):
        return stub.FinaliseDistribution(pb.FinaliseDistributionRequest(
            instansi_id=instansi, periode="2024-Q1", alasan_pengecualian=alasan), metadata=auth + (metadata or key()),
            timeout=10)
    for outsider in (me, world.token(roles=("admin_bkn",)), world.token(roles=("admin_instansi",))):
        assert rpc_error(lambda auth=outsider: finalise(auth)).code() == grpc.StatusCode.PERMISSION_DENIED
    error = rpc_error(lambda: finalise(admin))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "butuh_perbaikan_kurang_ada" in error.details() and "pelanggaran" in error.details()
    assert [v.aturan for v in check.pelanggaran] == ["butuh_perbaikan_kurang_ada"]
    assert all(v.pesan in error.details() for v in check.pelanggaran)  # every broken rule with its counts
    assert not stub.CheckDistribution(pb.CheckDistributionRequest(instansi_id=instansi, periode="2024-Q1"),
                                      metadata=admin, timeout=10).final  # nothing stored

    same = key()
    done = finalise(admin, "Penilaian triwulan I sudah diverifikasi inspektorat", same)
    assert done == finalise(admin, "Penilaian triwulan I sudah diverifikasi inspektorat", same)  # a retry
    assert finalise(admin).distribusi.final  # finalised once: answered as it was, no reason needed again
    assert done.distribusi.final and done.alasan_pengecualian.startswith("Penilaian triwulan I")
    assert [v.aturan for v in done.pelanggaran_dikecualikan] == ["butuh_perbaikan_kurang_ada"]
    with skp_engine.connect() as conn:
        audited = conn.execute(sa.text("SELECT new_value FROM setting_audit WHERE setting = 'finalisasi' "
                                       "AND instansi_id = :i"), {"i": instansi}).scalars().all()
    assert audited == ["final_dengan_pengecualian"]
    [listed] = [e for e in stub.ListEvaluasi(pb.ListEvaluasiRequest(skp_id=doc.skp_id), metadata=me,
                                             timeout=5).evaluasi if e.periode == "2024-Q1"]
    assert listed.final

    # a final period is closed: no other organisation predikat, no new rating in it
    error = rpc_error(lambda: stub.SetPredikatOrganisasi(pb.SetPredikatOrganisasiRequest(
        instansi_id=instansi, periode="2024-Q1", predikat="istimewa", reason="ubah"), metadata=admin, timeout=10))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "periode" in error.details()
    _realise(stub, pb, atasan_doc.skp_id, a, "2024-Q1", atasan_plan)
    error = rpc_error(lambda: stub.RateEvaluasi(pb.RateEvaluasiRequest(
        skp_id=atasan_doc.skp_id, periode="2024-Q1", hasil_kerja="sesuai", perilaku="sesuai"), metadata=k + key(),
        timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "periode" in error.details()

    # the SIASN export: the employee, the penilai and the admin get the same document; the predikat is the matrix's
    exported = siasn(me)
    assert exported == siasn(a) == siasn(admin)
    assert rpc_error(lambda: siasn(world.token(colleague, instansi=instansi))).code() == \
        grpc.StatusCode.PERMISSION_DENIED
    assert rpc_error(lambda: siasn(k)).code() == grpc.StatusCode.PERMISSION_DENIED  # atasan penilai: not listed
    document = json.loads(exported.json)
    matrix = predikat_for(Rating.DI_ATAS, Rating.SESUAI)
    assert (exported.predikat, exported.kode_predikat) == (matrix.value, matrix.code) == ("baik", 2)
    periodik = document["kinerja_periodik"]
    assert (periodik["hasilKinerjaNilai"], periodik["perilakuKerjaNilai"], periodik["kuadranKinerjaNilai"]) == (1, 2, 2)
    assert (periodik["bulanMulaiPenilaian"], periodik["bulanSelesaiPenilaian"], periodik["tahun"]) == (1, 3, 2024)
    assert (periodik["penilaiNama"], periodik["penilaiGolongan"], periodik["statusPenilai"]) == (
        "Dr. Sri Wahyuni", "IV/b", "ASN")
    assert periodik["pnsDinilaiId"] == pegawai and periodik["periodikId"] == "p-1" and document["skp22"] is None
    offline = subprocess.run([EKINERJA, "skp", "siasn", "-"], capture_output=True, timeout=60, input=json.dumps({
        "ruleset": RULESET, "pns_dinilai_id": pegawai, "tahun": 2024, "bulan_mulai": 1, "bulan_selesai": 3,
        "hasil_kerja": "di_atas", "perilaku": "sesuai", "periodik_id": "p-1",
        "penilai": {"status": "ASN", "nip": jpt, "nama": "Dr. Sri Wahyuni", "jabatan": periodik["penilaiJabatanNama"],
                    "unor": periodik["penilaiUnorNama"], "golongan": "IV/b"}}).encode())
    assert offline.returncode == 0 and json.loads(offline.stdout) == document
    assert Predikat(document["predikat"]) == matrix

    # the CLI: `skp evaluasi siasn` prints the same document; `skp finalkan` on a final period answers as it was
    cli = Cli(tmp_path / "cli", skp_service.target, test_keys.token(
        subject=pegawai, roles=["pegawai"], instansi=instansi, nip=pegawai, ttl_seconds=3600))
    printed = cli("skp", "evaluasi", "siasn", doc.skp_id, "2024-Q1", "--periodik-id", "p-1")
    assert printed.returncode == 0 and json.loads(printed.stdout) == document
    pyb = Cli(tmp_path / "pyb", skp_service.target, test_keys.token(
        subject="pyb", roles=["admin_instansi"], instansi=instansi, ttl_seconds=3600))
    assert pyb.json("skp", "finalkan", instansi, "2024-Q1")["distribusi"]["final"] is True
