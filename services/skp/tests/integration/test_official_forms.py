"""ExportSkp against the real service (docs/forms.md): the Formulir SKP and the Penilaian Prestasi Kerja name the
PNS, the pejabat penilai and the atasan pejabat penilai with NIP, pangkat/golongan and jabatan (from identity's
events), carry dated signature blocks (from the audit trail) and, in the XLSX, numbers as numeric cells; who may
read the document may have its forms, nobody else."""
from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import grpc
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from skp_testlib import new_nip, wait_for

from skp.adapters.forms import tanggal

pytestmark = pytest.mark.integration


def key() -> list[tuple[str, str]]:
    return [("x-idempotency-key", uuid.uuid4().hex)]


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def export(stub, pb, auth, skp_id, fmt, form):
    return stub.ExportSkp(pb.ExportSkpRequest(skp_id=skp_id, format=fmt, form=form), metadata=auth, timeout=20)


def register(world, nip, nama, golongan):
    world.publish("identity", "employee_registered", {"nip": nip, "nama": nama, "instansi_id": world.instansi,
                                                      "golongan": golongan, "status": "aktif"}, nip=nip)


def test_the_forms_name_the_three_people_with_dates_and_numbers(stub, pb, world):
    nip, penilai, atasan, top = new_nip("2"), new_nip(), new_nip("2"), new_nip()
    register(world, nip, "Siti Aminah", "III/b")
    register(world, penilai, "Budi Santoso", "III/d")
    register(world, atasan, "Rina Wulandari", "IV/b")
    world.assign(atasan, "jab-sekdis-f", "2024-01-02", kind="struktural_administrator", penilai=top,
                 nama="Sekretaris Dinas")
    world.assign(penilai, "jab-kasubbag-f", "2024-01-02", kind="struktural_pengawas", penilai=atasan, atasan=top,
                 nama="Kepala Subbagian Umum")
    world.assign(nip, "jab-analis-f", "2024-01-02", penilai=penilai, atasan=atasan, nama="Analis Kepegawaian")
    me, p, q = world.token(nip), world.token(penilai), world.token(atasan)
    doc = wait_for(lambda: next(iter(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=me, timeout=5).documents),
                                None))
    skp_id = doc.skp_id
    doc = stub.UpdateTargets(pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=doc.version, kegiatan=[
        pb.KegiatanTarget(nama="Menyusun laporan kepegawaian", satuan="laporan", kuantitas="12.5", waktu="12",
                          biaya="1500000.50"),
        pb.KegiatanTarget(nama="Mengolah data pegawai", satuan="data", kuantitas="240", waktu="12")]),
        metadata=me + key(), timeout=5).document
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=skp_id), metadata=me + key(), timeout=5)
    stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=skp_id), metadata=p + key(), timeout=5)
    today = tanggal(dt.datetime.now(ZoneInfo("Asia/Jakarta")).date())

    # Formulir SKP: pejabat penilai beside the PNS, the targets, both signatures dated
    targets_pdf = pdf_text(export(stub, pb, me, skp_id, pb.EXPORT_FORMAT_PDF, pb.EXPORT_FORM_TARGETS).content)
    for expected in ("FORMULIR SASARAN KERJA PEGAWAI NEGERI SIPIL", "I. PEJABAT PENILAI", "Budi Santoso", penilai,
                     "Penata Tingkat I, III/d", "Kepala Subbagian Umum", "II. PEGAWAI NEGERI SIPIL YANG DINILAI",
                     "Siti Aminah", nip, "Penata Muda Tingkat I, III/b", "Analis Kepegawaian", "Bagian Umum",
                     "Menyusun laporan kepegawaian", "12.5", "1500000.5", f"Disetujui {today}", f"NIP. {penilai}",
                     f"NIP. {nip}", "Pegawai Negeri Sipil Yang Dinilai"):
        assert expected in targets_pdf, expected
    response = export(stub, pb, p, skp_id, pb.EXPORT_FORMAT_XLSX, pb.EXPORT_FORM_TARGETS)
    assert response.filename == f"formulir-skp-{skp_id}.xlsx"
    sheet = load_workbook(io.BytesIO(response.content))["Formulir SKP"]
    row = next(r for r in sheet.iter_rows() if r[1].value == "Menyusun laporan kepegawaian")
    assert row[3].data_type == "n" and Decimal(str(row[3].value)) == Decimal("12.5")
    assert row[7].data_type == "n" and Decimal(str(row[7].value)) == Decimal("1500000.5")

    # the year's result: penilaian with the atasan penilai, the scores as numbers, the issue date
    stub.SetPerilaku(pb.SetPerilakuRequest(skp_id=skp_id, perilaku=pb.PerilakuValues(
        orientasi_pelayanan="80", integritas="82", komitmen="78", disiplin="85", kerja_sama="80")),
        metadata=p + key(), timeout=5)
    issued = stub.IssueResult(pb.IssueResultRequest(skp_id=skp_id), metadata=p + key(), timeout=5)
    text = pdf_text(export(stub, pb, q, skp_id, pb.EXPORT_FORMAT_PDF, pb.EXPORT_FORM_PENILAIAN).content)
    for expected in ("PENILAIAN CAPAIAN SASARAN KERJA PEGAWAI NEGERI SIPIL", "PENILAIAN PRESTASI KERJA",
                     "ATASAN PEJABAT PENILAI", "Rina Wulandari", atasan, "Pembina Tingkat I, IV/b",
                     "Sekretaris Dinas", "Budi Santoso", "Siti Aminah", issued.nilai_prestasi_kerja,
                     issued.nilai_capaian_skp,
                     f"Dibuat tanggal {tanggal(dt.date.fromisoformat(issued.issued_at[:10]))}",
                     "Diterima tanggal ....................",
                     "Jangka waktu penilaian: 2 Januari 2024 s.d. 31 Desember 2024"):
        assert expected in text, expected
    workbook = load_workbook(io.BytesIO(export(stub, pb, me, skp_id, pb.EXPORT_FORMAT_XLSX,
                                               pb.EXPORT_FORM_PENILAIAN).content))
    rows = {r[1].value: r for r in workbook["Prestasi Kerja"].iter_rows() if r[1].value}
    nilai = rows["NILAI PRESTASI KERJA"][2]
    assert nilai.data_type == "n" and Decimal(str(nilai.value)) == Decimal(issued.nilai_prestasi_kerja)
    assert Decimal(str(rows["Nilai rata-rata"][2].value)) == Decimal(issued.nilai_perilaku) == Decimal("81.00")


def test_only_readers_of_the_document_get_its_forms_and_bad_requests_name_the_field(stub, pb, world):
    nip, penilai = new_nip(), new_nip()
    world.assign(nip, "jab-forms-auth", "2024-01-02", penilai=penilai)
    me = world.token(nip)
    doc = wait_for(lambda: next(iter(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=me, timeout=5).documents),
                                None))
    for outsider in (world.token(new_nip()), world.token(roles=("admin_instansi",), instansi="inst-other"),
                     world.token(roles=("admin_bkn",))):
        with pytest.raises(grpc.RpcError) as error:
            export(stub, pb, outsider, doc.skp_id, pb.EXPORT_FORMAT_PDF, pb.EXPORT_FORM_TARGETS)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = world.token(roles=("admin_instansi",))
    assert export(stub, pb, admin, doc.skp_id, pb.EXPORT_FORMAT_PDF, pb.EXPORT_FORM_TARGETS).content.startswith(
        b"%PDF")
    for request, field in ((pb.ExportSkpRequest(skp_id=doc.skp_id), "format"),
                           (pb.ExportSkpRequest(skp_id=doc.skp_id, format=pb.EXPORT_FORMAT_PDF, form=9), "form")):
        with pytest.raises(grpc.RpcError) as error:
            stub.ExportSkp(request, metadata=me, timeout=5)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in error.value.details()
