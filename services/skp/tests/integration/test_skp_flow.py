"""The SKP year end to end against the real service: assignment -> draft -> agreement -> realisation from DES
events -> score (equal to the offline calculator) -> result -> keberatan -> closed; and the mid-year move."""
from __future__ import annotations

import io
import json
import subprocess
import uuid
from decimal import Decimal

import grpc
import pytest
from skp_testlib import new_nip, wait_for

from ekinerja_platform.testing import REPO_ROOT
from skp.entrypoints.score_view import score_response_as_contract

pytestmark = pytest.mark.integration
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")
OPTIONAL_KEGIATAN = ("efisiensi_waktu", "biaya", "efisiensi_biaya", "angka_kredit")
OPTIONAL_TOP = ("nilai_perilaku", "sebutan_perilaku", "jumlah_aspek_perilaku", "nilai_prestasi_kerja", "sebutan")




def offline_score(data: dict) -> dict:
    done = subprocess.run([EKINERJA, "skp", "score", "-"], input=json.dumps(data).encode(), capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def documents(stub, pb, auth, nip, count=1):
    return wait_for(lambda: (lambda docs: docs if len(docs) >= count else None)(
        list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=auth, timeout=5).documents)))


def key() -> list[tuple[str, str]]:
    return [("x-idempotency-key", uuid.uuid4().hex)]


def targets(pb, items):
    return [pb.KegiatanTarget(**item) for item in items]


def rpc_error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value


def test_a_year_from_assignment_to_closed_result(stub, pb, world, skp_events):
    nip, penilai, atasan, other = new_nip(), new_nip(), new_nip(), new_nip()
    me, p, q = world.token(nip), world.token(penilai), world.token(atasan)
    world.publish("identity", "employee_registered", {"nip": nip, "nama": "Siti Aminah", "instansi_id": "inst-1",
                                                      "golongan": "III/a", "status": "aktif"}, nip=nip)
    world.assign(nip, "jab-pelaksana-1", "2024-01-02", penilai=penilai, atasan=atasan)

    # drafted from the umum/pelaksana starter catalogue, penilai and atasan recorded from the event
    [doc] = documents(stub, pb, me, nip)
    assert (doc.status, doc.period_start, doc.period_end) == ("draft", "2024-01-02", "2024-12-31")
    assert (doc.penilai_nip, doc.atasan_penilai_nip, doc.kind) == (penilai, atasan, "pelaksana")
    assert [k.satuan for k in doc.kegiatan] == ["surat", "data", "laporan"]
    assert all(k.kualitas == "100" and k.waktu == "12" and k.angka_kredit == "" for k in doc.kegiatan)
    skp_id = doc.skp_id

    # nobody else reads it; the penilai does
    assert rpc_error(lambda: stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=world.token(other),
                                         timeout=5)).code() == grpc.StatusCode.PERMISSION_DENIED
    assert stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=p, timeout=5).document.nama == "Siti Aminah"

    # bad targets are refused, naming the field, and change nothing
    bad = pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=doc.version, kegiatan=targets(pb, [
        {"nama": "Menyusun laporan", "satuan": "dokumen", "kuantitas": "0", "waktu": "12"}]))
    error = rpc_error(lambda: stub.UpdateTargets(bad, metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "kegiatan[0].kuantitas" in error.details()
    assert stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=me, timeout=5).document.version == doc.version

    # the employee adjusts the targets; a retry with the same idempotency key changes nothing more
    request = pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=doc.version, kegiatan=targets(pb, [
        {"nama": "Menyusun laporan", "satuan": "dokumen", "kuantitas": "10", "waktu": "12", "biaya": "150000000"},
        {"nama": "Laporan bulanan", "satuan": "laporan", "kuantitas": "12", "waktu": "12"}]))
    same = key()
    first = stub.UpdateTargets(request, metadata=me + same, timeout=5).document
    again = stub.UpdateTargets(request, metadata=me + same, timeout=5).document
    assert first == again and first.version == doc.version + 1 and len(first.kegiatan) == 2
    k1, k2 = (k.kegiatan_id for k in first.kegiatan)

    # submit -> returned with a note -> the employee disagrees -> the atasan penilai approves
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=skp_id), metadata=me + key(), timeout=5)
    error = rpc_error(lambda: stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=skp_id), metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    returned = stub.ReturnSkp(pb.ReturnSkpRequest(skp_id=skp_id, note="target terlalu rendah"),
                              metadata=p + key(), timeout=5).document
    assert (returned.status, returned.return_note) == ("returned", "target terlalu rendah")
    stub.EscalateSkp(pb.EscalateSkpRequest(skp_id=skp_id, note="sesuai beban kerja"), metadata=me + key(), timeout=5)
    error = rpc_error(lambda: stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=skp_id), metadata=p + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    approved = stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=skp_id), metadata=q + key(), timeout=5).document
    assert approved.status == "approved" and approved.approved_once

    [event] = skp_events.wait("skp_approved", skp_id)
    data = event["data"]
    assert (data["nip"], data["penilai_nip"], data["atasan_penilai_nip"]) == (nip, penilai, atasan)
    assert (data["period_start"], data["period_end"], data["version"]) == ("2024-01-02", "2024-12-31",
                                                                           approved.version)
    assert [(k["kegiatan_id"], k["kuantitas"], k["satuan"], k["biaya"]) for k in data["kegiatan"]] == [
        (k1, "10", "dokumen", "150000000"), (k2, "12", "laporan", None)]

    # a change after approval needs a reason, opens a revision and a new approval; it is audited
    revise = pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=approved.version, kegiatan=targets(pb, [
        {"kegiatan_id": k1, "nama": "Menyusun laporan", "satuan": "dokumen", "kuantitas": "10", "waktu": "12",
         "biaya": "150000000"},
        {"kegiatan_id": k2, "nama": "Laporan bulanan", "satuan": "laporan", "kuantitas": "12", "waktu": "12"}]))
    error = rpc_error(lambda: stub.UpdateTargets(revise, metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "reason" in error.details()
    revise.reason = "nama kegiatan diperjelas"
    revise.kegiatan[0].nama = "Menyusun laporan kegiatan"
    revision = stub.UpdateTargets(revise, metadata=me + key(), timeout=5).document
    assert revision.status == "revision"
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=skp_id), metadata=me + key(), timeout=5)
    reapproved = stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=skp_id), metadata=p + key(), timeout=5).document
    events = skp_events.wait("skp_approved", skp_id, count=2)
    assert [e["data"]["version"] for e in events] == [approved.version, reapproved.version]
    assert events[1]["data"]["kegiatan"][0]["nama"] == "Menyusun laporan kegiatan"
    audit = [e.action for e in stub.ListAudit(pb.ListAuditRequest(skp_id=skp_id), metadata=me, timeout=5).entries]
    assert audit.count("approved") == 2 and "targets_changed" in audit
    changed = [json.loads(e.detail_json) for e in stub.ListAudit(pb.ListAuditRequest(skp_id=skp_id), metadata=me,
                                                                  timeout=5).entries if e.action == "targets_changed"]
    assert changed[-1]["reason"] == "nama kegiatan diperjelas"

    # realisation from DES: approved work counts, "proses" does not, redelivery and stale versions change nothing
    a1 = world.reviewed(nip, skp_id, k1, 4)
    world.reviewed(nip, skp_id, k1, 1, activity_id=a1, version=0)  # older state of a1: ignored
    replay = str(uuid.uuid4())
    world.reviewed(nip, skp_id, k1, 3, event_id=replay)
    world.reviewed(nip, skp_id, k1, 3, event_id=replay)  # the same event delivered twice
    world.reviewed(nip, skp_id, k1, 3)
    world.reviewed(nip, skp_id, k1, 2, proses=True)
    world.reviewed(nip, skp_id, None, 5, jenis="non_skp")
    world.reviewed(nip, skp_id, k2, 6)
    world.reviewed(nip, skp_id, k2, 5)
    for bulan, kualitas in ((1, 85), (2, 90), (3, 80)):
        world.quality(nip, skp_id, k1, bulan, kualitas)
    world.quality(nip, skp_id, k2, 1, 80)
    world.quality(nip, skp_id, k2, 2, 81)

    def realised():
        doc = stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=me, timeout=5).document
        values = [(k.realisasi.kuantitas, k.realisasi.kualitas) for k in doc.kegiatan]
        return values if values == [("10", "85"), ("11", "80.5")] else None
    assert wait_for(realised), stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=me, timeout=5).document

    # waktu and biaya at the end of the period; tugas tambahan; kreativitas; perilaku by the penilai
    for kid, waktu, biaya in ((k1, "10", "148000000"), (k2, "12", "")):
        stub.SetRealisasi(pb.SetRealisasiRequest(skp_id=skp_id, kegiatan_id=kid, waktu=waktu, biaya=biaya),
                          metadata=me + key(), timeout=5)
    for n in range(5):
        stub.AddTugasTambahan(pb.AddTugasTambahanRequest(skp_id=skp_id, uraian=f"Panitia {n}", tanggal="2024-05-06"),
                              metadata=(me if n % 2 else p) + key(), timeout=5)
    error = rpc_error(lambda: stub.SetKreativitas(pb.SetKreativitasRequest(
        skp_id=skp_id, level="unit_kerja", uraian="x", bukti="y"), metadata=me + key(), timeout=5))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    stub.SetKreativitas(pb.SetKreativitasRequest(skp_id=skp_id, level="unit_kerja", uraian="Aplikasi arsip",
                                                 bukti="SK Kabag 12/2024"), metadata=p + key(), timeout=5)
    aspects = dict(orientasi_pelayanan="80", integritas="82", komitmen="78", disiplin="85", kerja_sama="80")
    error = rpc_error(lambda: stub.SetPerilaku(pb.SetPerilakuRequest(
        skp_id=skp_id, perilaku=pb.PerilakuValues(**aspects, kepemimpinan="76")), metadata=p + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "perilaku.kepemimpinan" in error.details()
    stub.SetPerilaku(pb.SetPerilakuRequest(skp_id=skp_id, perilaku=pb.PerilakuValues(**aspects)),
                     metadata=p + key(), timeout=5)

    # ScoreSkp equals the offline calculator on the same numbers, written here from what the test published
    expected_input = {"skp": [{"kegiatan": [
        {"nama": "Menyusun laporan kegiatan",
         "target": {"kuantitas": 10, "satuan": "dokumen", "kualitas": 100, "waktu": 12, "biaya": 150000000},
         "realisasi": {"kuantitas": 10, "kualitas": 85, "waktu": 10, "biaya": 148000000}},
        {"nama": "Laporan bulanan", "target": {"kuantitas": 12, "satuan": "laporan", "kualitas": 100, "waktu": 12},
         "realisasi": {"kuantitas": 11, "kualitas": 80.5, "waktu": 12}}],
        "tugas_tambahan": 5, "kreativitas": "unit_kerja"}],
        "perilaku": {k: int(v) for k, v in aspects.items()}}
    expected = offline_score(expected_input)
    score = stub.ScoreSkp(pb.ScoreSkpRequest(skp_id=skp_id), metadata=me, timeout=5)
    assert score_response_as_contract(score) == expected
    assert offline_score(json.loads(score.score_input_json)) == expected
    assert expected["skp"][0]["nilai_tugas_tambahan"] == 2 and expected["skp"][0]["nilai_kreativitas"] == 3

    # the result (period 2024 has ended), a keberatan, the atasan's decision, closed
    issued = stub.IssueResult(pb.IssueResultRequest(skp_id=skp_id), metadata=p + key(), timeout=5)
    assert issued.result_status == "issued" and score_response_as_contract(issued) == expected
    [scored] = skp_events.wait("skp_scored", skp_id)
    assert (scored["data"]["year"], scored["data"]["nilai_prestasi_kerja"], scored["data"]["sebutan"]) == (
        2024, expected["nilai_prestasi_kerja"], expected["sebutan"])
    error = rpc_error(lambda: stub.SetPerilaku(pb.SetPerilakuRequest(skp_id=skp_id, perilaku=pb.PerilakuValues(
        **aspects)), metadata=p + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    error = rpc_error(lambda: stub.DecideKeberatan(pb.DecideKeberatanRequest(skp_id=skp_id, catatan="x"),
                                                   metadata=q + key(), timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION  # nothing to decide yet
    filed = stub.FileKeberatan(pb.FileKeberatanRequest(skp_id=skp_id, alasan="integritas dinilai terlalu rendah"),
                               metadata=me + key(), timeout=5)
    assert filed.result_status == "keberatan"
    error = rpc_error(lambda: stub.DecideKeberatan(pb.DecideKeberatanRequest(skp_id=skp_id, catatan="x"),
                                                   metadata=p + key(), timeout=5))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED  # the atasan decides, not the penilai
    revised = dict(aspects, integritas="90")
    decided = stub.DecideKeberatan(pb.DecideKeberatanRequest(
        skp_id=skp_id, catatan="bukti integritas diterima", revise=True, perilaku=pb.PerilakuValues(**revised)),
        metadata=q + key(), timeout=5)
    final_expected = offline_score({**expected_input, "perilaku": {k: int(v) for k, v in revised.items()}})
    assert decided.result_status == "final" and score_response_as_contract(decided) == final_expected
    assert final_expected["nilai_prestasi_kerja"] != expected["nilai_prestasi_kerja"]
    assert [e["data"]["nilai_prestasi_kerja"] for e in skp_events.wait("skp_scored", skp_id, count=2)] == [
        expected["nilai_prestasi_kerja"], final_expected["nilai_prestasi_kerja"]]
    [closed] = skp_events.wait("skp_closed", skp_id)
    assert closed["data"] == {"skp_id": skp_id, "nip": nip, "instansi_id": "inst-1", "period_end": "2024-12-31",
                              "reason": "final", "nilai_prestasi_kerja": final_expected["nilai_prestasi_kerja"],
                              "kegiatan": [{"kegiatan_id": k.kegiatan_id, "kuantitas": k.kuantitas}
                                           for k in stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=me,
                                                                timeout=5).document.kegiatan]}
    doc = stub.GetSkp(pb.GetSkpRequest(skp_id=skp_id), metadata=me, timeout=5).document
    assert (doc.status, doc.closed_reason, doc.result_status) == ("closed", "final", "final")

    # the official forms of the stored result
    pdf = stub.ExportSkp(pb.ExportSkpRequest(skp_id=skp_id, format=pb.EXPORT_FORMAT_PDF,
                                             form=pb.EXPORT_FORM_PENILAIAN), metadata=q, timeout=10)
    assert pdf.content.startswith(b"%PDF") and pdf.content_type == "application/pdf"
    xlsx = stub.ExportSkp(pb.ExportSkpRequest(skp_id=skp_id, format=pb.EXPORT_FORMAT_XLSX,
                                              form=pb.EXPORT_FORM_PENILAIAN), metadata=me, timeout=10)
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    assert "Menyusun laporan kegiatan" in cells
    [nilai] = [r[2] for r in workbook["Prestasi Kerja"].iter_rows() if r[1].value == "NILAI PRESTASI KERJA"]
    assert nilai.data_type == "n" and Decimal(str(nilai.value)) == Decimal(final_expected["nilai_prestasi_kerja"])


def test_mid_year_move_closes_the_old_document_and_scores_the_mean(stub, pb, world, skp_events):
    nip, p1, q1, p2, q2 = new_nip("2"), new_nip(), new_nip(), new_nip(), new_nip()
    me, pen1, pen2, atasan2 = world.token(nip), world.token(p1), world.token(p2), world.token(q2)
    first = world.assign(nip, "jab-staf-9", "2024-01-02", penilai=p1, atasan=q1)
    [old] = documents(stub, pb, me, nip)
    old = stub.UpdateTargets(pb.UpdateTargetsRequest(skp_id=old.skp_id, expected_version=old.version, kegiatan=targets(
        pb, [{"nama": "Menyusun laporan", "satuan": "dokumen", "kuantitas": "10", "waktu": "12", "biaya": "1000000"},
             {"nama": "Mengolah data", "satuan": "data", "kuantitas": "240", "waktu": "3"}])),
        metadata=me + key(), timeout=5).document
    for step, who in (("SubmitSkp", me), ("ApproveSkp", pen1)):
        request = getattr(pb, f"{step}Request")(skp_id=old.skp_id)
        getattr(stub, step)(request, metadata=who + key(), timeout=5)

    # a promotion on 1 June to a structural position (another assignment): the old document closes on 31 May,
    # and its approved targets become those of the 5 months served (x 5/12, half-up to 0.01; waktu at most 5)
    world.assign(nip, "jab-kasubbag-3", "2024-06-01", kind="struktural_pengawas", penilai=p2, atasan=q2,
                 nama="Kepala Subbagian Umum")
    docs = documents(stub, pb, me, nip, count=2)
    moved = next(d for d in docs if d.skp_id == old.skp_id)
    new = next(d for d in docs if d.skp_id != old.skp_id)
    assert (moved.status, moved.closed_reason, moved.period_end) == ("closed", "moved", "2024-05-31")
    assert [(k.kuantitas, k.waktu, k.biaya) for k in moved.kegiatan] == [("4.17", "5", "416666.67"),
                                                                          ("100", "3", "")]
    assert (new.status, new.period_start, new.period_end, new.penilai_nip) == ("draft", "2024-06-01", "2024-12-31",
                                                                                p2)
    assert [k.nama for k in new.kegiatan][0] == "Menyusun rencana kerja tahunan unit"  # the new position's template
    # the umum struktural template prorated to the 7 months of the period (whole numbers, at least 1)
    assert [(k.kuantitas, k.waktu, k.biaya) for k in new.kegiatan] == [
        ("1", "7", ""), ("7", "7", ""), ("7", "7", ""), ("2", "7", "14000000"), ("2", "7", "")]
    [closed] = skp_events.wait("skp_closed", old.skp_id)
    assert (closed["data"]["reason"], closed["data"]["period_end"], closed["data"]["nilai_prestasi_kerja"]) == (
        "moved", "2024-05-31", None)
    # the served targets travel with it (des makes the served months add up to them)
    assert closed["data"]["kegiatan"] == [{"kegiatan_id": k.kegiatan_id, "kuantitas": k.kuantitas}
                                          for k in moved.kegiatan]
    assert [k["kuantitas"] for k in closed["data"]["kegiatan"]] == ["4.17", "100"]
    [prorated] = [json.loads(e.detail_json) for e in stub.ListAudit(pb.ListAuditRequest(skp_id=old.skp_id),
                                                                     metadata=me, timeout=5).entries
                  if e.action == "targets_prorated"]
    assert (prorated["months_planned"], prorated["months_served"]) == (12, 5)
    assert [(k["kuantitas"], k["waktu"], k["biaya"]) for k in prorated["approved"]] == [
        (["10", "4.17"], ["12", "5"], ["1000000", "416666.67"]), (["240", "100"], ["3", "3"], [None, None])]
    # the old assignment's own end arrives later: nothing changes, nothing is published twice
    world.assign(nip, None, "2024-01-02", assignment_id=first, old={"jabatan_id": "jab-staf-9", "unit_id": "unit-1",
                                                                    "start": "2024-01-02", "end": "2024-05-31"},
                 effective="2024-06-01")
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=new.skp_id), metadata=me + key(), timeout=5)
    stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=new.skp_id), metadata=pen2 + key(), timeout=5)

    # realisation on both documents: the old one is still assessed after the move
    k1, k2 = [k.kegiatan_id for k in moved.kegiatan]
    world.reviewed(nip, old.skp_id, k1, 4, tanggal="2024-03-01")
    world.reviewed(nip, old.skp_id, k2, 100, tanggal="2024-03-01")
    for kid, waktu, biaya in ((k1, "5", "400000"), (k2, "3", "")):
        world.quality(nip, old.skp_id, kid, 3, 88)
        stub.SetRealisasi(pb.SetRealisasiRequest(skp_id=old.skp_id, kegiatan_id=kid, waktu=waktu, biaya=biaya),
                          metadata=me + key(), timeout=5)
    new_k = [k.kegiatan_id for k in new.kegiatan]
    for kid, target in zip(new_k, new.kegiatan, strict=True):
        world.reviewed(nip, new.skp_id, kid, target.kuantitas, tanggal="2024-09-02")
        world.quality(nip, new.skp_id, kid, 9, 92)
        stub.SetRealisasi(pb.SetRealisasiRequest(skp_id=new.skp_id, kegiatan_id=kid, waktu=target.waktu,
                                                 biaya=target.biaya), metadata=me + key(), timeout=5)
    assert wait_for(lambda: all(k.realisasi.kualitas for d in (old, new) for k in stub.GetSkp(
        pb.GetSkpRequest(skp_id=d.skp_id), metadata=me, timeout=5).document.kegiatan))

    # structural: kepemimpinan is required
    aspects = dict(orientasi_pelayanan="80", integritas="82", komitmen="78", disiplin="85", kerja_sama="80")
    error = rpc_error(lambda: stub.SetPerilaku(pb.SetPerilakuRequest(
        skp_id=new.skp_id, perilaku=pb.PerilakuValues(**aspects)), metadata=pen2 + key(), timeout=5))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "perilaku.kepemimpinan" in error.details()
    stub.SetPerilaku(pb.SetPerilakuRequest(skp_id=new.skp_id, perilaku=pb.PerilakuValues(**aspects,
                                                                                          kepemimpinan="76")),
                     metadata=pen2 + key(), timeout=5)

    # the year's score, written here from what the test published and the prorated targets, by the calculator
    expected_input = {"skp": [
        {"kegiatan": [
            {"nama": "Menyusun laporan",
             "target": {"kuantitas": "4.17", "satuan": "dokumen", "kualitas": 100, "waktu": 5, "biaya": "416666.67"},
             "realisasi": {"kuantitas": 4, "kualitas": 88, "waktu": 5, "biaya": 400000}},
            {"nama": "Mengolah data", "target": {"kuantitas": 100, "satuan": "data", "kualitas": 100, "waktu": 3},
             "realisasi": {"kuantitas": 100, "kualitas": 88, "waktu": 3}}],
         "tugas_tambahan": 0, "kreativitas": None},
        {"kegiatan": [
            {"nama": k.nama, "target": {"kuantitas": k.kuantitas, "satuan": k.satuan, "kualitas": 100,
                                        "waktu": k.waktu, **({"biaya": k.biaya} if k.biaya else {})},
             "realisasi": {"kuantitas": k.kuantitas, "kualitas": 92, "waktu": k.waktu,
                           **({"biaya": k.biaya} if k.biaya else {})}} for k in new.kegiatan],
         "tugas_tambahan": 0, "kreativitas": None}],
        "perilaku": {**{k: int(v) for k, v in aspects.items()}, "kepemimpinan": 76}}
    expected = offline_score(expected_input)
    score = stub.ScoreSkp(pb.ScoreSkpRequest(skp_id=new.skp_id), metadata=atasan2, timeout=5)
    assert [d.skp_id for d in score.skp] == [old.skp_id, new.skp_id]
    assert score_response_as_contract(score) == expected
    assert offline_score(json.loads(score.score_input_json)) == expected
    assert score.jumlah_aspek_perilaku == 6
    assert [k["kuantitas"] for k in expected["skp"][0]["kegiatan"]] == ["95.92", "100.00"]  # 4 of 4.17, 100 of 100
    from decimal import Decimal
    docs_values = [Decimal(d.nilai_capaian_skp) for d in score.skp]
    # the simple mean of the two documents (§0.6), computed from unrounded values: within a cent of the shown mean
    assert abs(Decimal(score.nilai_capaian_skp) - sum(docs_values) / 2) <= Decimal("0.01")

    # the year's result is issued on the latest document only
    error = rpc_error(lambda: stub.IssueResult(pb.IssueResultRequest(skp_id=old.skp_id), metadata=pen1 + key(),
                                               timeout=5))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    issued = stub.IssueResult(pb.IssueResultRequest(skp_id=new.skp_id), metadata=pen2 + key(), timeout=5)
    assert score_response_as_contract(issued) == score_response_as_contract(score)
    accepted = stub.AcceptResult(pb.AcceptResultRequest(skp_id=new.skp_id), metadata=me + key(), timeout=5)
    assert accepted.result_status == "final"
    [closed] = skp_events.wait("skp_closed", new.skp_id)
    assert (closed["data"]["reason"], closed["data"]["nilai_prestasi_kerja"]) == ("final",
                                                                                  score.nilai_prestasi_kerja)
    assert len(skp_events.matching("skp_closed", old.skp_id)) == 1
