"""Issue 22 item 8 in skp: a 6/2022 plan approved publishes ``rencana_kinerja_approved`` (RHK and IKI with their ids,
what des ties reports to); the realisation of an IKI may be taken from DES (the approved activities reported
against it, which skp keeps from des's ``activity_reviewed``, applied once); a rated period publishes
``evaluasi_rated`` (ratings, predikat, angka kredit and the realisation per IKI), once, even on a retried call."""
from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa
from skp_testlib import key, new_nip, rpc_error, wait_for

pytestmark = pytest.mark.integration
RULESET = "permenpanrb-6-2022"





def test_plan_and_rating_events_and_realisation_from_des(stub, pb, world, skp_engine, skp_events):
    kadis, jpt, pegawai = new_nip(), new_nip(), new_nip()
    world.publish("identity", "position_changed", {
        "jabatan_id": "jab-622e-jf", "instansi_id": world.instansi, "unit_id": "unit-1", "unit_nama": "Bagian Umum",
        "nama": "Pranata Komputer Ahli Pertama", "kind": "fungsional_tertentu", "job_group": "umum",
        "parent_id": None, "eselon": None, "jenjang": "Ahli Pertama", "jenis_jabatan": None, "version": 1})
    world.assign(jpt, "jab-622e-jpt", "2024-01-02", kind="struktural_jpt", penilai=kadis, nama="Kepala Badan")
    world.assign(pegawai, "jab-622e-jf", "2024-01-02", kind="fungsional_tertentu", penilai=jpt, atasan=kadis)
    a, me, k = world.token(jpt), world.token(pegawai), world.token(kadis)

    def document(auth, nip):
        [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=auth, timeout=5).documents))
        with skp_engine.begin() as conn:  # the per-instansi ruleset setting is rules622-setting's (item 1)
            conn.execute(sa.text("UPDATE skp_documents SET ruleset = :r WHERE skp_id = CAST(:id AS uuid)"),
                         {"r": RULESET, "id": doc.skp_id})
        return doc.skp_id

    atasan_id, skp_id = document(a, jpt), document(me, pegawai)

    def agree(doc_id, owner, penilai, rhk):
        version = stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=doc_id), metadata=owner,
                                         timeout=5).rencana.version
        stub.UpdateRencanaKinerja(pb.UpdateRencanaKinerjaRequest(
            skp_id=doc_id, expected_version=version, pendekatan="kuantitatif", rhk=rhk), metadata=owner + key(),
            timeout=5)
        stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=doc_id), metadata=owner + key(), timeout=5)
        return stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=doc_id), metadata=penilai + key(),
                                          timeout=5).rencana

    atasan = agree(atasan_id, a, k, [pb.RhkInput(
        jenis="utama", uraian="Meningkatnya layanan elektronik", sasaran_organisasi="Indeks SPBE naik",
        perspektif="penerima layanan", iki=[pb.IkiInput(uraian="Indeks SPBE", aspek="kualitas", target="3.5",
                                                        satuan="indeks")])])
    plan = agree(skp_id, me, a, [pb.RhkInput(
        jenis="utama", uraian="Tersedianya aplikasi layanan", rhk_atasan_id=atasan.approved_rhk[0].rhk_id,
        iki=[pb.IkiInput(uraian="Aplikasi dikembangkan", aspek="kuantitas", target="4", satuan="aplikasi"),
             pb.IkiInput(uraian="Layanan tersedia", aspek="kualitas", target="99.5", satuan="persen")])])

    # the plan in force, with its ids, as des needs it; the atasan's too
    [approved] = skp_events.wait("rencana_kinerja_approved", skp_id)
    data = approved["data"]
    [rhk] = plan.approved_rhk
    assert (data["nip"], data["ruleset"], data["penilai_nip"], data["pendekatan"], data["version"]) == (
        pegawai, RULESET, jpt, "kuantitatif", plan.version)
    assert [(r["rhk_id"], r["jenis"], [(i["iki_id"], i["target"], i["satuan"]) for i in r["iki"]])
            for r in data["rhk"]] == [(rhk.rhk_id, "utama", [(i.iki_id, i.target, i.satuan) for i in rhk.iki])]
    assert (data["period_start"], data["period_end"]) == (plan.period_start, plan.period_end)
    assert len(skp_events.wait("rencana_kinerja_approved", atasan_id)) == 1
    assert skp_events.matching("skp_approved", skp_id) == []  # a 6/2022 plan is not a PP 46 approval

    # approved DES work on the first IKI, as des reports it; one event redelivered
    aplikasi, tersedia = (i.iki_id for i in rhk.iki)
    first = world.reviewed(pegawai, skp_id, aplikasi, "1", tanggal="2024-02-05")
    event_id = str(uuid.uuid4())
    second = world.reviewed(pegawai, skp_id, aplikasi, "2", tanggal="2024-03-04", event_id=event_id)
    world.reviewed(pegawai, skp_id, aplikasi, "2", tanggal="2024-03-04", event_id=event_id, activity_id=second)
    proses = world.reviewed(pegawai, skp_id, aplikasi, "5", tanggal="2024-03-05", proses=True)
    world.reviewed(pegawai, skp_id, aplikasi, "7", tanggal="2024-04-01")  # the next quarter
    with skp_engine.connect() as conn:
        assert wait_for(lambda: conn.execute(sa.text(
            "SELECT count(*) FROM realisasi_activity WHERE skp_id = CAST(:s AS uuid)"), {"s": skp_id}).scalar() == 4,
            timeout=20)

    # refusals change nothing: a number next to dari_des; an IKI with no DES work in the period
    error = rpc_error(lambda: stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(
        skp_id=skp_id, periode="2024-Q1", iki_id=aplikasi, realisasi="9", dari_des=True), metadata=me + key(),
        timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "realisasi" in error.details()
    error = rpc_error(lambda: stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(
        skp_id=skp_id, periode="2024-Q1", iki_id=tersedia, dari_des=True), metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "dari_des" in error.details()
    assert not stub.ListEvaluasi(pb.ListEvaluasiRequest(skp_id=skp_id), metadata=me, timeout=5).evaluasi

    # the DES figure of the quarter: 1 + 2 recognised (the "proses" entry is bukti, not output; April is not Q1)
    evaluasi = stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(
        skp_id=skp_id, periode="2024-Q1", iki_id=aplikasi, dari_des=True, bukti=["notulen.pdf"]),
        metadata=me + key(), timeout=5).evaluasi
    [line] = evaluasi.realisasi
    assert (line.iki_id, line.realisasi, list(line.bukti)) == (aplikasi, "3", [first, second, proses, "notulen.pdf"])
    stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=skp_id, periode="2024-Q1", iki_id=tersedia,
                                                   realisasi="99.8"), metadata=me + key(), timeout=5)

    # rated once (a retry with the same key answers the first call and publishes nothing more)
    same = key()
    rate = pb.RateEvaluasiRequest(skp_id=skp_id, periode="2024-Q1", hasil_kerja="di_atas", perilaku="di_atas")
    rated = stub.RateEvaluasi(rate, metadata=a + same, timeout=5).evaluasi
    assert stub.RateEvaluasi(rate, metadata=a + same, timeout=5).evaluasi == rated
    [event] = skp_events.wait("evaluasi_rated", skp_id)
    data = event["data"]
    assert (data["periode"], data["jenis_periode"], data["bulan"], data["penilai_nip"]) == ("2024-Q1",
                                                                                            "triwulanan", 3, jpt)
    assert (data["hasil_kerja"], data["perilaku"], data["kode_hasil_kerja"], data["kode_perilaku"]) == (
        "di_atas", "di_atas", 1, 1)
    # ahli pertama, sangat baik, a quarter: 12.5 x 150 % x 3/12
    assert (data["predikat"], data["kode_predikat"], data["jenjang"], data["angka_kredit"]) == (
        "sangat_baik", 1, "ahli_pertama", "4.688") == (rated.predikat, rated.kode_predikat, rated.jenjang,
                                                       rated.angka_kredit)
    assert [(x["iki_id"], x["nomor"], x["target"], x["realisasi"], len(x["bukti"])) for x in data["realisasi"]] == [
        (aplikasi, "1.1", "4", "3", 4), (tersedia, "1.2", "99.5", "99.8", 0)]
    assert event["nip"] == pegawai and data["instansi_id"] == world.instansi
    skp_events.drain()
    assert len(skp_events.matching("evaluasi_rated", skp_id)) == 1
