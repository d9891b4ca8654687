"""The PermenPANRB 6/2022 SKP end to end against the real service and PostgreSQL: the atasan's (a JPT's) plan from
the organisation's plan approved -> the subordinate (a jabatan fungsional) cascades from it -> returned, approved
-> continuous feedback -> realisation per IKI -> the penilai's ratings -> predikat and angka kredit stored, equal to
the offline ``ekinerja skp predikat``; and the refusals (wrong parent RHK, rating outside the vocabulary, not the
penilai), each changing nothing."""
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
from skp.adapters import rhk_repository as rr

pytestmark = pytest.mark.integration
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")
RULESET = "permenpanrb-6-2022"






def document_of(stub, pb, auth, nip):
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=auth, timeout=5).documents))
    return doc


def offline(pegawai: dict) -> dict:
    done = subprocess.run([EKINERJA, "skp", "predikat", "-"], capture_output=True, timeout=60,
                          input=json.dumps({"ruleset": RULESET, "pegawai": [pegawai]}).encode())
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)["pegawai"][0]


def test_cascaded_skp_feedback_and_periodic_evaluation(stub, pb, world, use_ruleset, skp_engine):
    kadis, jpt, pegawai, colleague = new_nip(), new_nip(), new_nip(), new_nip()
    world.publish("identity", "position_changed", {
        "jabatan_id": "jab-622-jf", "instansi_id": world.instansi, "unit_id": "unit-1", "unit_nama": "Bagian Umum",
        "nama": "Pranata Komputer Ahli Muda", "kind": "fungsional_tertentu", "job_group": "umum", "parent_id": None,
        "eselon": None, "jenjang": "Ahli Muda", "jenis_jabatan": None, "version": 1})
    world.assign(jpt, "jab-622-jpt", "2024-01-02", kind="struktural_jpt", penilai=kadis, nama="Kepala Badan")
    world.assign(pegawai, "jab-622-jf", "2024-01-02", kind="fungsional_tertentu", penilai=jpt, atasan=kadis,
                 nama="Pranata Komputer Ahli Muda")
    a, me, k, other = world.token(jpt), world.token(pegawai), world.token(kadis), world.token(colleague)
    atasan_doc, doc = document_of(stub, pb, a, jpt), document_of(stub, pb, me, pegawai)
    use_ruleset(atasan_doc.skp_id)
    use_ruleset(doc.skp_id)
    skp_id = doc.skp_id

    def rencana(auth=me):
        return stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=skp_id), metadata=auth, timeout=5).rencana

    iki = [pb.IkiInput(uraian="Jumlah aplikasi layanan yang dikembangkan", aspek="kuantitas", target="4",
                       satuan="aplikasi"),
           pb.IkiInput(uraian="Persentase layanan tersedia", aspek="kualitas", target="99.5", satuan="persen")]

    def plan_request(version, parent):
        return pb.UpdateRencanaKinerjaRequest(
            skp_id=skp_id, expected_version=version, pendekatan="kuantitatif",
            rhk=[pb.RhkInput(jenis="utama", uraian="Tersedianya aplikasi layanan daring", rhk_atasan_id=parent,
                             iki=iki)],
            lampiran=pb.Lampiran(dukungan_sumber_daya=["Server dan lisensi basis data"],
                                 skema_pertanggungjawaban=["Laporan triwulanan ke Kepala Badan"],
                                 konsekuensi=["Tunjangan kinerja sesuai capaian"]))

    # nothing to cascade from while the atasan's plan is not approved
    start = rencana()
    assert (start.ruleset, start.status, len(start.perilaku)) == (RULESET, "draft", 7)
    error = rpc_error(lambda: stub.UpdateRencanaKinerja(plan_request(start.version, str(uuid.uuid4())),
                                                        metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "rhk[0].rhk_atasan_id" in error.details()

    # the JPT's plan comes from the organisation's plan, with a perspektif; its penilai approves it
    jpt_plan = stub.UpdateRencanaKinerja(pb.UpdateRencanaKinerjaRequest(
        skp_id=atasan_doc.skp_id, expected_version=stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(
            skp_id=atasan_doc.skp_id), metadata=a, timeout=5).rencana.version, pendekatan="kuantitatif",
        rhk=[pb.RhkInput(jenis="utama", uraian="Meningkatnya layanan publik berbasis elektronik",
                         sasaran_organisasi="Meningkatnya indeks SPBE", perspektif="penerima layanan",
                         iki=[pb.IkiInput(uraian="Indeks SPBE", aspek="kualitas", target="3.5", satuan="indeks")]),
             pb.RhkInput(jenis="tambahan", uraian="Terkelolanya anggaran", sasaran_organisasi="Akuntabilitas",
                         perspektif="anggaran",
                         iki=[pb.IkiInput(uraian="Serapan", aspek="biaya", target="95", satuan="persen")])]),
        metadata=a + key(), timeout=5).rencana
    stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=atasan_doc.skp_id), metadata=a + key(),
                              timeout=5)
    approved = stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=atasan_doc.skp_id),
                                          metadata=k + key(), timeout=5).rencana
    assert approved.status == "approved" and [r.rhk_id for r in approved.approved_rhk] == [
        r.rhk_id for r in jpt_plan.rhk]

    # the subordinate picks from the atasan's approved list; anything else is refused and changes nothing
    listed = stub.ListRhkAtasan(pb.ListRhkAtasanRequest(skp_id=skp_id), metadata=me, timeout=5).rhk
    assert [(r.uraian, r.atasan_skp_id) for r in listed] == [
        ("Meningkatnya layanan publik berbasis elektronik", atasan_doc.skp_id),
        ("Terkelolanya anggaran", atasan_doc.skp_id)]
    error = rpc_error(lambda: stub.UpdateRencanaKinerja(plan_request(start.version, str(uuid.uuid4())),
                                                        metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "rhk[0].rhk_atasan_id" in error.details()
    assert rencana().version == start.version and not rencana().rhk

    # the plan, applied once on a retry with the same idempotency key
    same = key()
    first = stub.UpdateRencanaKinerja(plan_request(start.version, listed[0].rhk_id), metadata=me + same,
                                      timeout=5).rencana
    again = stub.UpdateRencanaKinerja(plan_request(start.version, listed[0].rhk_id), metadata=me + same,
                                      timeout=5).rencana
    assert first == again and first.version == start.version + 1 == rencana().version
    assert first.rhk[0].rhk_atasan_uraian == "Meningkatnya layanan publik berbasis elektronik"
    assert list(first.lampiran.konsekuensi) == ["Tunjangan kinerja sesuai capaian"]

    # the penilai's ekspektasi khusus pimpinan; submitted -> returned -> resubmitted -> approved
    error = rpc_error(lambda: stub.SetEkspektasiPerilaku(pb.SetEkspektasiPerilakuRequest(
        skp_id=skp_id, ekspektasi={"loyal": "x"}), metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    with_expectation = stub.SetEkspektasiPerilaku(pb.SetEkspektasiPerilakuRequest(
        skp_id=skp_id, ekspektasi={"kolaboratif": "Melibatkan tim infrastruktur sejak perencanaan"}),
        metadata=a + key(), timeout=5).rencana
    assert {p.kode: p.ekspektasi for p in with_expectation.perilaku}["kolaboratif"] == \
        "Melibatkan tim infrastruktur sejak perencanaan"
    stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=skp_id), metadata=me + key(), timeout=5)
    returned = stub.ReturnRencanaKinerja(pb.ReturnRencanaKinerjaRequest(skp_id=skp_id, note="target dinaikkan"),
                                         metadata=a + key(), timeout=5).rencana
    assert (returned.status, returned.return_note) == ("returned", "target dinaikkan")
    stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=skp_id), metadata=me + key(), timeout=5)
    error = rpc_error(lambda: stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=skp_id),
                                                         metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    plan = stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=skp_id), metadata=a + key(),
                                      timeout=5).rencana
    assert plan.status == "approved"
    [rhk] = plan.approved_rhk
    iki_ids = [x.iki_id for x in rhk.iki]

    # continuous feedback by the penilai against an RHK and a BerAKHLAK value; nobody else gives it
    stub.AddUmpanBalik(pb.AddUmpanBalikRequest(skp_id=skp_id, periode="2024-Q1", rhk_id=rhk.rhk_id,
                                               catatan="Prioritaskan layanan perizinan"), metadata=a + key(), timeout=5)
    stub.AddUmpanBalik(pb.AddUmpanBalikRequest(skp_id=skp_id, periode="2024-Q1", perilaku="kolaboratif",
                                               catatan="Koordinasi dengan tim jaringan sudah baik"),
                       metadata=a + key(), timeout=5)
    for auth in (me, other, k):
        error = rpc_error(lambda auth=auth: stub.AddUmpanBalik(pb.AddUmpanBalikRequest(
            skp_id=skp_id, periode="2024-Q1", perilaku="loyal", catatan="x"), metadata=auth + key(), timeout=5))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    # realisation per IKI, by the employee, with bukti dukung; rating waits for every IKI
    stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=skp_id, periode="2024-Q1", iki_id=iki_ids[0],
                                                   realisasi="1", bukti=["act-0001", "act-0002"]),
                         metadata=me + key(), timeout=5)
    rate = pb.RateEvaluasiRequest(skp_id=skp_id, periode="2024-Q1", hasil_kerja="di_atas", perilaku="sesuai",
                                  catatan="Capaian melampaui target triwulan")
    error = rpc_error(lambda: stub.RateEvaluasi(rate, metadata=a + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "IKI 2" in error.details()
    stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=skp_id, periode="2024-Q1", iki_id=iki_ids[1],
                                                   realisasi="99.7"), metadata=me + key(), timeout=5)

    # refusals: a rating outside the vocabulary, a caller who is not the penilai — nothing stored
    bad = pb.RateEvaluasiRequest(skp_id=skp_id, periode="2024-Q1", hasil_kerja="sangat_baik", perilaku="sesuai")
    error = rpc_error(lambda: stub.RateEvaluasi(bad, metadata=a + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "hasil_kerja" in error.details()
    for auth in (me, other, k):
        assert rpc_error(lambda auth=auth: stub.RateEvaluasi(rate, metadata=auth + key(), timeout=5)).code() == \
            grpc.StatusCode.PERMISSION_DENIED
    [open_period] = stub.ListEvaluasi(pb.ListEvaluasiRequest(skp_id=skp_id), metadata=me, timeout=5).evaluasi
    assert (open_period.periode, open_period.predikat, len(open_period.umpan_balik)) == ("2024-Q1", "", 2)

    # the penilai rates: predikat from the matrix, angka kredit of the quarter (ahli muda), stored with the result
    same = key()
    rated = stub.RateEvaluasi(rate, metadata=a + same, timeout=5).evaluasi
    assert stub.RateEvaluasi(rate, metadata=a + same, timeout=5).evaluasi == rated  # a retry: the first answer
    assert (rated.predikat, rated.kode_predikat, rated.kode_hasil_kerja, rated.kode_perilaku) == ("baik", 2, 1, 2)
    assert (rated.jenis_periode, rated.bulan, rated.jenjang, rated.angka_kredit) == (
        "triwulanan", 3, "ahli_muda", "6.250")
    calculator = offline({"id": "p1", "hasil_kerja": "di_atas", "perilaku": "sesuai", "jenjang": "ahli_muda",
                          "bulan": 3})
    assert (rated.predikat, rated.kode_predikat, rated.angka_kredit) == (
        calculator["predikat"], calculator["kode_predikat"], calculator["angka_kredit"])

    with skp_engine.connect() as conn:  # the final predikat is in the spread CheckDistribution reads, once
        spread = conn.execute(sa.text("SELECT nip, predikat, source FROM employee_predikat WHERE periode = '2024-Q1'"
                                      " AND nip = :nip"), {"nip": pegawai}).all()
    assert [tuple(row) for row in spread] == [(pegawai, "baik", "evaluasi")]

    [stored] = stub.ListEvaluasi(pb.ListEvaluasiRequest(skp_id=skp_id), metadata=world.token(kadis),
                                 timeout=5).evaluasi
    assert stored == rated and stored.rated_by == jpt
    assert sorted((r.iki_id, r.realisasi, list(r.bukti)) for r in stored.realisasi) == sorted(
        [(iki_ids[0], "1", ["act-0001", "act-0002"]), (iki_ids[1], "99.7", [])])
    assert {(f.rhk_id, f.perilaku) for f in stored.umpan_balik} == {(rhk.rhk_id, ""), ("", "kolaboratif")}

    # a rated period is final: no second rating, no more feedback or realisation for it
    for call in (lambda: stub.RateEvaluasi(rate, metadata=a + key(), timeout=5),
                 lambda: stub.AddUmpanBalik(pb.AddUmpanBalikRequest(skp_id=skp_id, periode="2024-Q1",
                                                                    perilaku="loyal", catatan="x"),
                                            metadata=a + key(), timeout=5),
                 lambda: stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=skp_id, periode="2024-Q1",
                                                                        iki_id=iki_ids[0], realisasi="2"),
                                              metadata=me + key(), timeout=5)):
        assert rpc_error(call).code() == grpc.StatusCode.FAILED_PRECONDITION
    audit = [e.action for e in stub.ListAudit(pb.ListAuditRequest(skp_id=skp_id), metadata=me, timeout=5).entries]
    assert audit.count("evaluasi_rated") == 1 and audit.count("umpan_balik_added") == 2

    # an edit after approval needs a reason and opens a revision; the approved plan stays in force
    current = rencana()
    revise = plan_request(current.version, listed[0].rhk_id)
    revise.rhk[0].rhk_id = rhk.rhk_id
    error = rpc_error(lambda: stub.UpdateRencanaKinerja(revise, metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "reason" in error.details()
    revise.reason = "target triwulan berikutnya disesuaikan"
    revision = stub.UpdateRencanaKinerja(revise, metadata=me + key(), timeout=5).rencana
    assert revision.status == "revision" and revision.approved_rhk == plan.approved_rhk
    assert revision.rhk[0].rhk_id == rhk.rhk_id

    # what the distribution curve (§4) reads: the rated predikat of the organisation's employees in the period
    with Session(skp_engine) as session:
        assert (pegawai, "baik") in rr.predikat_in_period(session, world.instansi, "2024-Q1")
        assert (pegawai, "baik") in rr.predikat_in_period(session, world.instansi, "2024-Q1", "unit-1")
        assert all(nip != pegawai for nip, _ in rr.predikat_in_period(session, world.instansi, "2024-Q2"))


def test_a_pp46_document_refuses_the_6_2022_rpcs(stub, pb, world):
    nip, penilai = new_nip(), new_nip()
    world.assign(nip, "jab-622-pp46", "2024-01-02", penilai=penilai)
    me = world.token(nip)
    doc = document_of(stub, pb, me, nip)
    error = rpc_error(lambda: stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=doc.skp_id), metadata=me,
                                                     timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "ruleset" in error.details()


def test_the_6_2022_commands_of_the_cli(skp_service, stub, pb, world, use_ruleset, tmp_path, test_keys):
    """A JPT's plan from the organisation's plan through `skp rhk`, rated through `skp evaluasi`."""
    jpt, kadis = new_nip(), new_nip()
    world.assign(jpt, "jab-622-cli", "2024-01-02", kind="struktural_jpt", penilai=kadis, nama="Kepala Dinas")

    def cli(nip: str) -> Cli:
        return Cli(tmp_path / nip, skp_service.target, test_keys.token(
            subject=nip, roles=["pegawai"], instansi=world.instansi, nip=nip, ttl_seconds=3600))

    me, penilai = cli(jpt), cli(kadis)
    skp_id = document_of(stub, pb, world.token(jpt), jpt).skp_id
    use_ruleset(skp_id)
    version = me.json("skp", "rhk", "lihat", skp_id)["rencana"]["version"]
    plan = tmp_path / "rencana.json"
    plan.write_text(json.dumps({"pendekatan": "kualitatif", "rhk": [{
        "jenis": "utama", "uraian": "Meningkatnya kualitas layanan kesehatan", "sasaran_organisasi": "Renstra 1.2",
        "perspektif": "penerima layanan",
        "iki": [{"uraian": "Kepuasan masyarakat", "ekspektasi": "Keluhan ditangani dalam 3 hari"}]}],
        "lampiran": {"konsekuensi": ["Teguran tertulis bila tidak tercapai"]}}))
    changed = me.json("skp", "rhk", "ubah", skp_id, str(plan), "--versi", str(version))["rencana"]
    assert changed["rhk"][0]["perspektif"] == "penerima layanan"
    assert me.json("skp", "rhk", "ajukan", skp_id)["rencana"]["status"] == "submitted"
    denied = me("skp", "rhk", "setujui", skp_id)
    assert denied.returncode == 1 and denied.stderr.startswith("error: ")
    approved = penilai.json("skp", "rhk", "setujui", skp_id)["rencana"]
    iki_id = approved["approved_rhk"][0]["iki"][0]["iki_id"]
    shown = me("skp", "rhk", "lihat", skp_id)
    assert shown.returncode == 0 and "Kepuasan masyarakat" in shown.stdout and "Kolaboratif" in shown.stdout

    assert me("skp", "evaluasi", "realisasi", skp_id, "--periode", "2024-Q2", "--iki", iki_id, "--uraian",
              "Rata-rata 2 hari", "--bukti", "act-9").returncode == 0
    monthly = penilai("skp", "evaluasi", "nilai", skp_id, "--periode", "2024-05", "--hasil-kerja", "sesuai",
                      "--perilaku", "sesuai")
    assert monthly.returncode == 2 and "periode" in monthly.stderr and "triwulan" in monthly.stderr  # JPT: quarterly
    bad = penilai("skp", "evaluasi", "nilai", skp_id, "--periode", "2024-Q2", "--hasil-kerja", "baik",
                  "--perilaku", "sesuai")
    assert bad.returncode == 2 and "hasil_kerja" in bad.stderr
    rated = penilai.json("skp", "evaluasi", "nilai", skp_id, "--periode", "2024-Q2", "--hasil-kerja", "di_bawah",
                         "--perilaku", "di_atas")["evaluasi"]
    assert (rated["predikat"], rated["kode_predikat"], rated.get("angka_kredit", "")) == ("butuh_perbaikan", 3, "")
    human = me("skp", "evaluasi", "lihat", skp_id)
    assert human.returncode == 0 and "predikat butuh_perbaikan" in human.stdout
