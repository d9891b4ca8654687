"""The dokumen evaluasi kinerja (PermenPANRB 6/2022) as files: the XLSX keeps every decimal exactly as stored (text,
trailing zeros included: a numeric cell would turn "25.000" into 25), the PDF names the predikat and every IKI."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ekinerja_rules.permenpanrb_6_2022 import Predikat
from skp.adapters import forms, forms_622

pytestmark = pytest.mark.unit

PNS = forms.Person("Siti Aminah", "198703152010012003", "Penata Muda Tingkat I, III/b", "Analis SDM Aparatur",
                   "Bagian Umum")
PENILAI = forms.Person("Budi Santoso", "197501012000031001", "Penata Tingkat I, III/d", "Kepala Bagian Umum",
                       "Bagian Umum")
RHK = [{"rhk_id": "r1", "nomor": 1, "jenis": "utama", "uraian": "Layanan kepegawaian tepat waktu",
        "rhk_atasan_id": "a1", "rhk_atasan_uraian": "Tata kelola SDM meningkat", "sasaran_organisasi": None,
        "iki": [{"iki_id": "i1", "nomor": 1, "uraian": "Usulan mutasi diproses", "aspek": "kuantitas",
                 "target": "12.50", "satuan": "usulan", "ekspektasi": None},
                {"iki_id": "i2", "nomor": 2, "uraian": "Data pegawai mutakhir", "aspek": "kualitas",
                 "target": "0.125", "satuan": "persen", "ekspektasi": None}]},
       {"rhk_id": "r2", "nomor": 1, "jenis": "tambahan", "uraian": "Panitia seleksi", "rhk_atasan_id": "a2",
        "rhk_atasan_uraian": "Rekrutmen berjalan", "sasaran_organisasi": None,
        "iki": [{"iki_id": "i3", "nomor": 1, "uraian": "Berita acara seleksi", "aspek": "kuantitas",
                 "target": "3", "satuan": "dokumen", "ekspektasi": None}]}]
EVALUATION = {"periode": "2025-Q1", "jenis_periode": "triwulanan", "period_start": dt.date(2025, 1, 1),
              "period_end": dt.date(2025, 3, 31), "hasil_kerja": "di_atas", "perilaku": "sesuai",
              "predikat": "sangat_baik", "angka_kredit": Decimal("6.25"), "catatan": "pertahankan",
              "rated_at": dt.datetime(2025, 4, 2, 9, tzinfo=dt.timezone.utc),
              "realisasi": {"i1": {"realisasi": "13.750", "uraian": None, "bukti": ["act-1", "act-2"]},
                            "i2": {"realisasi": "0.130", "uraian": None, "bukti": []},
                            "i3": {"realisasi": "3", "uraian": None, "bukti": ["ba-seleksi.pdf"]}}}
FEEDBACK = [{"rhk_id": "r1", "perilaku": None, "catatan": "Percepat usulan mutasi",
             "at": dt.datetime(2025, 2, 10, 8, tzinfo=dt.timezone.utc)},
            {"rhk_id": None, "perilaku": "kolaboratif", "catatan": "Libatkan rekan",
             "at": dt.datetime(2025, 3, 5, 8, tzinfo=dt.timezone.utc)}]


def form() -> forms.Form:
    return forms_622.dokumen_evaluasi({"skp_id": "s1"}, RHK, EVALUATION, FEEDBACK, PNS, PENILAI)


def test_the_xlsx_holds_every_decimal_exactly_as_stored():
    book = load_workbook(io.BytesIO(forms.to_xlsx(form())))
    assert book.sheetnames == ["Evaluasi Kinerja", "Penilaian"]
    rows = {r[3].value: [c.value for c in r] for r in book["Evaluasi Kinerja"].iter_rows() if r[3].value}
    assert rows["1. Usulan mutasi diproses (kuantitas)"][4:] == ["12.50 usulan", "13.750", "act-1, act-2"]
    assert rows["2. Data pegawai mutakhir (kualitas)"][4:] == ["0.125 persen", "0.130", "-"]
    assert rows["1. Berita acara seleksi (kuantitas)"][4:] == ["3 dokumen", "3", "ba-seleksi.pdf"]
    nilai = {r[0].value: [c.value for c in r] for r in book["Penilaian"].iter_rows() if r[0].value}
    assert nilai["Angka kredit"][1] == "6.250"
    assert nilai["Predikat kinerja pegawai"][1:3] == ["Sangat Baik", Predikat.SANGAT_BAIK.code]
    assert nilai["Rating hasil kerja"][1] == "Di atas ekspektasi"
    everything = [c.value for s in book for r in s.iter_rows() for c in r if c.value is not None]
    for person in (PNS, PENILAI):
        assert person.nama in everything and person.nip in everything


def test_the_pdf_names_the_predikat_every_iki_and_the_feedback():
    content = forms.to_pdf(form())
    assert content.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
    assert "Sangat Baik" in text
    for iki in ("Usulan mutasi diproses", "Data pegawai mutakhir", "Berita acara seleksi"):
        assert iki in text
    for shown in ("13.750", "6.250", "Percepat usulan mutasi", "2025-Q1", "Siti Aminah", "Budi Santoso"):
        assert shown in text


def test_a_period_without_angka_kredit_shows_a_dash():
    book = load_workbook(io.BytesIO(forms.to_xlsx(forms_622.dokumen_evaluasi(
        {}, RHK, {**EVALUATION, "angka_kredit": None}, [], PNS, PENILAI))))
    nilai = {r[0].value: r[1].value for r in book["Penilaian"].iter_rows() if r[0].value}
    assert nilai["Angka kredit"] == "-"
    assert "Tidak ada umpan balik" in [c.value for r in book["Penilaian"].iter_rows() for c in r]
