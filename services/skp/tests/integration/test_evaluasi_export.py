"""The dokumen evaluasi kinerja over gRPC and the CLI (issue 22 item 3): a JPT's quarter rated by the penilai comes
out as PDF and XLSX naming the predikat and every IKI; an unrated period is FAILED_PRECONDITION naming `periode`; a
caller who may not read the evaluations is PERMISSION_DENIED."""
from __future__ import annotations

import io

import grpc
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from skp_testlib import Cli, key, new_nip, rpc_error, wait_for

pytestmark = pytest.mark.integration





def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_a_rated_quarter_exports_as_pdf_and_xlsx(skp_service, stub, pb, world, use_ruleset, tmp_path, test_keys):
    jpt, kadis, stranger = new_nip(), new_nip(), new_nip()
    world.assign(jpt, "jab-622-doc", "2024-01-02", kind="struktural_jpt", penilai=kadis, nama="Kepala Badan")
    me, penilai = world.token(jpt), world.token(kadis)
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=jpt), metadata=me, timeout=5).documents))
    skp_id = doc.skp_id
    use_ruleset(skp_id)
    version = stub.GetRencanaKinerja(pb.GetRencanaKinerjaRequest(skp_id=skp_id), metadata=me,
                                     timeout=5).rencana.version
    stub.UpdateRencanaKinerja(pb.UpdateRencanaKinerjaRequest(
        skp_id=skp_id, expected_version=version, pendekatan="kuantitatif",
        rhk=[pb.RhkInput(jenis="utama", uraian="Meningkatnya layanan publik berbasis elektronik",
                         sasaran_organisasi="Meningkatnya indeks SPBE", perspektif="penerima layanan",
                         iki=[pb.IkiInput(uraian="Indeks SPBE", aspek="kualitas", target="3.50", satuan="indeks"),
                              pb.IkiInput(uraian="Aplikasi terintegrasi", aspek="kuantitas", target="12",
                                          satuan="aplikasi")])]), metadata=me + key(), timeout=5)
    stub.SubmitRencanaKinerja(pb.SubmitRencanaKinerjaRequest(skp_id=skp_id), metadata=me + key(), timeout=5)
    [rhk] = stub.ApproveRencanaKinerja(pb.ApproveRencanaKinerjaRequest(skp_id=skp_id), metadata=penilai + key(),
                                       timeout=5).rencana.approved_rhk
    stub.AddUmpanBalik(pb.AddUmpanBalikRequest(skp_id=skp_id, periode="2024-Q1", rhk_id=rhk.rhk_id,
                                               catatan="Percepat integrasi aplikasi"), metadata=penilai + key(),
                       timeout=5)
    for iki, value in zip(rhk.iki, ("3.625", "4"), strict=True):
        stub.SetRealisasiIki(pb.SetRealisasiIkiRequest(skp_id=skp_id, periode="2024-Q1", iki_id=iki.iki_id,
                                                       realisasi=value, bukti=["act-9001"]), metadata=me + key(),
                             timeout=5)

    def export(periode: str, fmt, auth=me):
        return stub.ExportEvaluasi(pb.ExportEvaluasiRequest(skp_id=skp_id, periode=periode, format=fmt),
                                   metadata=auth, timeout=30)

    # not rated yet: nothing to export, the field named
    error = rpc_error(lambda: export("2024-Q1", pb.EXPORT_FORMAT_PDF))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "periode" in error.details()

    rated = stub.RateEvaluasi(pb.RateEvaluasiRequest(skp_id=skp_id, periode="2024-Q1", hasil_kerja="di_atas",
                                                     perilaku="di_atas"), metadata=penilai + key(), timeout=5).evaluasi
    assert rated.predikat == "sangat_baik"

    pdf = export("2024-Q1", pb.EXPORT_FORMAT_PDF)
    assert pdf.content_type == "application/pdf" and pdf.filename.endswith("2024-Q1.pdf")
    text = pdf_text(pdf.content)
    for shown in ("Sangat Baik", "Indeks SPBE", "Aplikasi terintegrasi", "3.625", "Percepat integrasi aplikasi"):
        assert shown in text
    xlsx = export("2024-Q1", pb.EXPORT_FORMAT_XLSX, auth=penilai)
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = {r[3].value: [c.value for c in r] for r in book["Evaluasi Kinerja"].iter_rows() if r[3].value}
    assert rows["1. Indeks SPBE (kualitas)"][4:] == ["3.5 indeks", "3.625", "act-9001"]
    assert rows["2. Aplikasi terintegrasi (kuantitas)"][4:] == ["12 aplikasi", "4", "act-9001"]

    # a period not rated, a stranger, a format not chosen
    error = rpc_error(lambda: export("2024-Q2", pb.EXPORT_FORMAT_XLSX))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "periode" in error.details()
    error = rpc_error(lambda: export("2024-Q1", pb.EXPORT_FORMAT_PDF, auth=world.token(stranger)))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = rpc_error(lambda: export("2024-Q1", pb.EXPORT_FORMAT_UNSPECIFIED))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "format" in error.details()

    # the CLI saves the same document
    cli = Cli(tmp_path / jpt, skp_service.target, test_keys.token(
        subject=jpt, roles=["pegawai"], instansi=world.instansi, nip=jpt, ttl_seconds=3600))
    saved = cli.json("skp", "evaluasi", "unduh", skp_id, "2024-Q1", "--format", "xlsx", "-o", "evaluasi.xlsx")
    assert saved["bytes"] > 0 and (tmp_path / jpt / "evaluasi.xlsx").read_bytes()[:2] == b"PK"
    refused = cli("skp", "evaluasi", "unduh", skp_id, "2024-Q2", "--format", "pdf")
    assert refused.returncode != 0 and "periode" in refused.stderr
