"""The official forms (docs/forms.md) as files people open: the PDF's text and the XLSX's cells carry the PNS, the
pejabat penilai and the atasan pejabat penilai (nama, NIP, pangkat/golongan, jabatan), dated signature blocks, and
the targets and scores, in the XLSX as numeric cells with exactly the decimals of the value."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from skp.adapters import forms
from skp.domain.pangkat import pangkat_golongan

pytestmark = pytest.mark.unit

PNS = forms.Person("Siti Aminah", "198703152010012003", pangkat_golongan("III/b"), "Analis Kepegawaian",
                   "Subbagian Umum")
PENILAI = forms.Person("Budi Santoso", "197501012000031001", pangkat_golongan("III/d"), "Kepala Subbagian Umum",
                       "Subbagian Umum")
ATASAN = forms.Person("Rina Wulandari", "196805101990032002", pangkat_golongan("IV/b"), "Sekretaris Dinas",
                      "Sekretariat")
TARGETS = [{"kegiatan_id": "k1", "nomor": 1, "nama": "Menyusun rencana kerja", "satuan": "dokumen",
            "kuantitas": "12", "kualitas": "100", "waktu": "12", "biaya": "50000000.50", "angka_kredit": None},
           {"kegiatan_id": "k2", "nomor": 2, "nama": "Mengolah data kepegawaian", "satuan": "data",
            "kuantitas": "4.17", "kualitas": "100", "waktu": "5", "biaya": None, "angka_kredit": "0.125"}]
DOC = {"skp_id": "11111111-1111-1111-1111-111111111111", "period_start": dt.date(2024, 1, 2),
       "period_end": dt.date(2024, 12, 31), "approved_targets": TARGETS, "kegiatan": [],
       "keberatan_alasan": "realisasi belum tercatat", "keberatan_catatan": "nilai sudah sesuai", "perilaku": None}
SCORE = {
    "skp_ids": [DOC["skp_id"]],
    "input": {"skp": [{"kegiatan": [
        {"nama": "Menyusun rencana kerja", "target": {"kuantitas": "12", "satuan": "dokumen", "kualitas": "100",
                                                      "waktu": "12", "biaya": "50000000.50"},
         "realisasi": {"kuantitas": "12", "kualitas": "90", "waktu": "12", "biaya": "45000000"}},
        {"nama": "Mengolah data kepegawaian", "target": {"kuantitas": "4.17", "satuan": "data", "kualitas": "100",
                                                         "waktu": "5", "angka_kredit": "0.125"},
         "realisasi": {"kuantitas": "4", "kualitas": "85", "waktu": "5"}}],
        "tugas_tambahan": 2, "kreativitas": None}],
        "perilaku": {"orientasi_pelayanan": "80", "integritas": "82", "komitmen": "78", "disiplin": "85",
                     "kerja_sama": "80"}},
    "skp": [{"kegiatan": [{"perhitungan": "352.00", "nilai_capaian": "88.00"},
                          {"perhitungan": "256.92", "nilai_capaian": "85.64"}],
             "nilai_tugas_tambahan": 1, "nilai_kreativitas": 0, "nilai_capaian_skp": "87.82"}],
    "nilai_capaian_skp": "87.82", "sebutan_capaian_skp": "Baik", "nilai_perilaku": "81.00",
    "sebutan_perilaku": "Baik", "nilai_prestasi_kerja": "85.09", "sebutan": "Baik"}
DATES = {"issued": dt.date(2025, 1, 6), "keberatan": dt.date(2025, 1, 8), "decided": dt.date(2025, 1, 10),
         "received": dt.date(2025, 1, 8), "final": dt.date(2025, 1, 10)}


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def cells(content: bytes, sheet: str) -> list:
    return [c for row in load_workbook(io.BytesIO(content))[sheet].iter_rows() for c in row if c.value is not None]


def values(content: bytes, sheet: str) -> list:
    return [c.value for c in cells(content, sheet)]


def test_pangkat_golongan_as_printed():
    assert pangkat_golongan("III/c") == "Penata, III/c"
    assert pangkat_golongan("IV/e") == "Pembina Utama, IV/e"
    assert pangkat_golongan(None) == "-"


def test_formulir_skp_pdf_names_both_people_targets_and_dated_signatures():
    form = forms.formulir_skp(DOC, PNS, PENILAI, {"submitted": dt.date(2024, 1, 3), "approved": dt.date(2024, 1, 5)})
    text = pdf_text(forms.to_pdf(form))
    for expected in ("FORMULIR SASARAN KERJA PEGAWAI NEGERI SIPIL", "I. PEJABAT PENILAI",
                     "II. PEGAWAI NEGERI SIPIL YANG DINILAI", "Pangkat/Gol.Ruang", "Penata Tingkat I, III/d",
                     "Penata Muda Tingkat I, III/b", "Kepala Subbagian Umum", "Analis Kepegawaian",
                     "NIP. 197501012000031001", "NIP. 198703152010012003", "Budi Santoso", "Siti Aminah",
                     "Menyusun rencana kerja", "50000000.50", "4.17", "0.125", "Disetujui 5 Januari 2024",
                     "3 Januari 2024", "Pejabat Penilai", "Pegawai Negeri Sipil Yang Dinilai",
                     "2 Januari 2024 s.d. 31 Desember 2024"):
        assert expected in text, expected


def test_formulir_skp_xlsx_numbers_are_exact_numeric_cells():
    form = forms.formulir_skp(DOC, PNS, PENILAI, {"submitted": None, "approved": None})
    content = forms.to_xlsx(form)
    found = values(content, "Formulir SKP")
    for expected in ("Penata Tingkat I, III/d", "197501012000031001", "198703152010012003", "Kepala Subbagian Umum",
                     "Siti Aminah", "Pejabat Penilai", "NIP. 198703152010012003", "Disetujui ...................."):
        assert expected in found, expected
    row = next(r for r in load_workbook(io.BytesIO(content))["Formulir SKP"].iter_rows()
               if r[1].value == "Mengolah data kepegawaian")
    nomor, _, ak, kuantitas, satuan, kualitas, waktu, biaya = row[:8]
    assert (nomor.value, satuan.value, biaya.value) == (2, "data", None)
    assert all(c.data_type == "n" for c in (ak, kuantitas, kualitas, waktu))
    assert Decimal(str(kuantitas.value)) == Decimal("4.17") and kuantitas.number_format == "0.00"
    assert Decimal(str(ak.value)) == Decimal("0.125") and ak.number_format == "0.000"
    first = next(r for r in load_workbook(io.BytesIO(content))["Formulir SKP"].iter_rows()
                 if r[1].value == "Menyusun rencana kerja")
    assert Decimal(str(first[7].value)) == Decimal("50000000.50") and first[7].number_format == "#,##0.00"


def test_penilaian_pdf_has_capaian_and_prestasi_with_three_people_and_dates():
    text = pdf_text(forms.to_pdf(forms.penilaian(DOC, PNS, PENILAI, ATASAN, SCORE, DATES)))
    for expected in ("PENILAIAN CAPAIAN SASARAN KERJA PEGAWAI NEGERI SIPIL", "REALISASI", "PERHITUNGAN",
                     "352.00", "85.64", "87.82", "PENILAIAN PRESTASI KERJA PEGAWAI NEGERI SIPIL", "YANG DINILAI",
                     "ATASAN PEJABAT PENILAI", "Rina Wulandari", "Pembina Tingkat I, IV/b", "Sekretaris Dinas",
                     "196805101990032002", "Sasaran Kerja PNS (SKP)", "60%", "52.69", "Orientasi Pelayanan",
                     "Jumlah", "405", "Nilai rata-rata", "81.00", "40%", "32.40", "NILAI PRESTASI KERJA", "85.09",
                     "realisasi belum tercatat", "nilai sudah sesuai", "Dibuat tanggal 6 Januari 2025",
                     "Diterima tanggal 8 Januari 2025", "Diterima tanggal 10 Januari 2025"):
        assert expected in text, expected
    assert "Kepemimpinan" not in text  # not a structural position: 5 aspects


def test_penilaian_xlsx_scores_are_numbers():
    content = forms.to_xlsx(forms.penilaian(DOC, PNS, PENILAI, ATASAN, SCORE, DATES))
    assert load_workbook(io.BytesIO(content)).sheetnames == ["Capaian SKP", "Prestasi Kerja"]
    prestasi = load_workbook(io.BytesIO(content))["Prestasi Kerja"]
    rows = {r[1].value: r for r in prestasi.iter_rows() if r[1].value}
    nilai = rows["NILAI PRESTASI KERJA"][2]
    assert nilai.data_type == "n" and Decimal(str(nilai.value)) == Decimal("85.09") and nilai.number_format == "0.00"
    assert rows["NILAI PRESTASI KERJA"][3].value == "Baik"
    assert Decimal(str(rows["Sasaran Kerja PNS (SKP)"][5].value)) == Decimal("52.69")
    assert Decimal(str(rows["Jumlah"][2].value)) == 405
    assert {"b. NIP", "c. Pangkat/Gol.Ruang", "d. Jabatan"} <= set(rows)
    identity = [r[2].value for r in prestasi.iter_rows() if r[1].value in ("a. Nama", "c. Pangkat/Gol.Ruang")]
    assert identity == ["Siti Aminah", "Penata Muda Tingkat I, III/b", "Budi Santoso", "Penata Tingkat I, III/d",
                        "Rina Wulandari", "Pembina Tingkat I, IV/b"]
    capaian = {r[1].value: r for r in load_workbook(io.BytesIO(content))["Capaian SKP"].iter_rows() if r[1].value}
    kegiatan = capaian["Mengolah data kepegawaian"]
    assert [Decimal(str(c.value)) for c in (kegiatan[3], kegiatan[8], kegiatan[12], kegiatan[13])] == [
        Decimal("4.17"), Decimal("4"), Decimal("256.92"), Decimal("85.64")]
    assert Decimal(str(capaian["Nilai capaian SKP"][13].value)) == Decimal("87.82")


def test_unsigned_dates_are_blanks_to_fill_in():
    text = pdf_text(forms.to_pdf(forms.penilaian({**DOC, "keberatan_alasan": "", "keberatan_catatan": ""}, PNS,
                                                 PENILAI, forms.NOBODY, SCORE, {})))
    assert "Dibuat tanggal ...................." in text and "Diterima tanggal ...................." in text
