"""National starter catalogues of kegiatan tugas jabatan, one per jenis jabatan, from which a position's SKP
template is made (docs/position-templates.md).

Written by this project from the domain facts (DOMAIN.md §1.3, §6 A-D, PERMENPANRB_6_2022.md): every kegiatan has
a satuan, a yearly target kuantitas, kualitas 100, waktu in months (12 for the annual SKP), biaya only where the
kegiatan is typically funded, and angka kredit only for jabatan fungsional tertentu (§1.3 "AK"). They are starting
points: an agency copies one into a position's template and edits it; the employee adjusts the targets on the
drafted document and the penilai approves them.

A position's jenis jabatan comes from identity (``jenis_jabatan``); positions known before identity carried it
get one inferred from their name, kind and job group (``infer_jenis``), so a Bidan never gets a doctor's list.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

STRUKTURAL_KINDS = frozenset({"struktural_jpt", "struktural_administrator", "struktural_pengawas"})
KINDS = STRUKTURAL_KINDS | {"fungsional_tertentu", "pelaksana"}


@dataclass(frozen=True)
class CatalogueKegiatan:
    nama: str
    satuan: str
    kuantitas: Decimal
    waktu: Decimal = Decimal(12)
    biaya: Decimal | None = None
    angka_kredit: Decimal | None = None
    kualitas: Decimal = Decimal(100)


@dataclass(frozen=True)
class Catalogue:
    jenis: str
    nama: str
    kind: str  # the kind of position it is written for
    kegiatan: tuple[CatalogueKegiatan, ...]


def _k(nama, satuan, kuantitas, biaya=None, ak=None) -> CatalogueKegiatan:
    return CatalogueKegiatan(nama=nama, satuan=satuan, kuantitas=Decimal(kuantitas),
                             biaya=None if biaya is None else Decimal(biaya),
                             angka_kredit=None if ak is None else Decimal(ak))


def kind_class(kind: str) -> str:
    """struktural, fungsional_tertentu or pelaksana."""
    return "struktural" if kind in STRUKTURAL_KINDS else kind


def is_struktural(kind: str) -> bool:
    return kind in STRUKTURAL_KINDS


FT = "fungsional_tertentu"

CATALOGUES: dict[str, Catalogue] = {c.jenis: c for c in (
    Catalogue("struktural_jpt", "Jabatan Pimpinan Tinggi", "struktural_jpt", (
        _k("Menetapkan rencana strategis dan rencana kerja tahunan perangkat daerah", "dokumen", 1),
        _k("Merumuskan kebijakan teknis di bidang tugas perangkat daerah", "rancangan kebijakan", 4),
        _k("Mengendalikan pelaksanaan program dan anggaran perangkat daerah", "laporan", 4, biaya=120000000),
        _k("Mengoordinasikan pelaksanaan tugas dengan pimpinan daerah dan perangkat daerah lain", "rapat koordinasi",
           12),
        _k("Menyampaikan laporan kinerja instansi pemerintah (LKjIP)", "dokumen", 1),
    )),
    Catalogue("struktural_administrator", "Jabatan Administrator", "struktural_administrator", (
        _k("Menyusun rencana kerja dan anggaran bidang/bagian", "dokumen", 1),
        _k("Memimpin dan mengoordinasikan pelaksanaan program bidang/bagian", "laporan", 12, biaya=60000000),
        _k("Membina dan menilai kinerja pejabat pengawas dan staf", "laporan", 4),
        _k("Menyusun bahan kebijakan teknis untuk pimpinan", "naskah", 4),
        _k("Menyusun laporan kinerja bidang/bagian", "laporan", 4),
    )),
    Catalogue("struktural_pengawas", "Jabatan Pengawas", "struktural_pengawas", (
        _k("Menyusun rencana kerja tahunan unit", "dokumen", 1),
        _k("Membagi tugas dan memberi petunjuk kepada bawahan", "laporan", 12),
        _k("Memantau dan mengevaluasi pelaksanaan tugas bawahan", "laporan", 12),
        _k("Mengoordinasikan kegiatan dengan unit kerja terkait", "laporan", 4, biaya=24000000),
        _k("Menyusun laporan kinerja unit", "laporan", 4),
    )),
    Catalogue("pelaksana", "Jabatan Pelaksana", "pelaksana", (
        _k("Mengagendakan dan mendistribusikan surat masuk dan keluar", "surat", 1200),
        _k("Mengolah data administrasi unit", "data", 240),
        _k("Menyusun laporan bulanan kegiatan", "laporan", 12),
    )),
    Catalogue("guru", "Guru", FT, (
        _k("Menyusun program pembelajaran (silabus dan RPP)", "dokumen", 2, ak="1.000"),
        _k("Melaksanakan pembelajaran tatap muka", "jam tatap muka", 864, ak="9.000"),
        _k("Melaksanakan evaluasi dan analisis hasil belajar", "laporan", 2, ak="1.000"),
        _k("Menyusun dan melaksanakan program perbaikan dan pengayaan", "program", 2, ak="1.000"),
        _k("Melaksanakan pengembangan keprofesian berkelanjutan", "karya", 1, ak="1.130"),
    )),
    Catalogue("kepala_sekolah", "Kepala Sekolah", FT, (
        _k("Menyusun rencana kerja jangka menengah dan tahunan sekolah", "dokumen", 1, ak="1.500"),
        _k("Melaksanakan supervisi akademik guru", "laporan", 2, ak="2.000"),
        _k("Mengelola anggaran dan sarana prasarana sekolah", "laporan", 4, biaya=150000000, ak="1.000"),
        _k("Melaksanakan pembelajaran tatap muka (6 jam per minggu)", "jam tatap muka", 216, ak="2.250"),
        _k("Menyusun laporan penyelenggaraan sekolah", "laporan", 2, ak="0.500"),
    )),
    Catalogue("dosen", "Dosen", FT, (
        _k("Melaksanakan perkuliahan", "sks", 24, ak="12.000"),
        _k("Membimbing tugas akhir mahasiswa", "mahasiswa", 8, ak="4.000"),
        _k("Melaksanakan penelitian dan menerbitkan karya ilmiah", "artikel", 2, ak="20.000"),
        _k("Melaksanakan pengabdian kepada masyarakat", "kegiatan", 2, biaya=10000000, ak="2.000"),
    )),
    Catalogue("dokter", "Dokter", FT, (
        _k("Melaksanakan pelayanan medik umum rawat jalan", "tiap 10 pasien", 480, ak="2.400"),
        _k("Melaksanakan tindakan medik dan kegawatdaruratan", "tindakan", 120, ak="1.200"),
        _k("Melaksanakan jaga pelayanan (on call)", "tiap kali", 48, ak="0.480"),
        _k("Melaksanakan rujukan dan konsultasi medik", "pasien", 60, ak="0.300"),
        _k("Membuat catatan medik dan laporan pelayanan", "laporan", 12, ak="0.240"),
    )),
    Catalogue("perawat", "Perawat", FT, (
        _k("Melakukan pengkajian keperawatan", "pasien", 480, ak="1.920"),
        _k("Melakukan tindakan keperawatan dasar", "tindakan", 600, ak="3.000"),
        _k("Melakukan dokumentasi asuhan keperawatan", "dokumen", 480, ak="0.960"),
        _k("Melaksanakan penyuluhan kesehatan", "kegiatan", 12, ak="0.360"),
    )),
    Catalogue("bidan", "Bidan", FT, (
        _k("Melakukan pemeriksaan kehamilan (antenatal care)", "pasien", 360, ak="1.800"),
        _k("Melakukan pertolongan persalinan normal", "persalinan", 36, ak="1.080"),
        _k("Melakukan pelayanan nifas dan bayi baru lahir", "kunjungan", 144, ak="0.720"),
        _k("Melakukan pelayanan keluarga berencana", "akseptor", 240, ak="0.960"),
        _k("Melaksanakan penyuluhan kesehatan ibu dan anak", "kegiatan", 12, ak="0.360"),
    )),
    Catalogue("apoteker", "Apoteker", FT, (
        _k("Melakukan pelayanan resep dan penyerahan obat", "resep", 6000, ak="3.000"),
        _k("Melakukan pelayanan informasi obat dan konseling", "pasien", 240, ak="1.200"),
        _k("Mengelola perencanaan dan pengadaan obat dan BMHP", "dokumen", 4, biaya=80000000, ak="0.800"),
        _k("Melakukan pemantauan terapi obat", "pasien", 60, ak="0.600"),
    )),
    Catalogue("auditor", "Auditor", FT, (
        _k("Melaksanakan audit kinerja", "laporan hasil audit", 4, biaya=40000000, ak="2.400"),
        _k("Menyusun kertas kerja pemeriksaan", "kertas kerja", 24, ak="1.200"),
        _k("Melaksanakan reviu laporan keuangan", "laporan hasil reviu", 2, ak="1.000"),
        _k("Memantau tindak lanjut hasil pengawasan", "laporan", 4, ak="0.800"),
    )),
    Catalogue("pranata_komputer", "Pranata Komputer", FT, (
        _k("Melakukan pemeliharaan perangkat keras dan jaringan", "laporan", 12, ak="1.200"),
        _k("Membangun dan memelihara aplikasi", "modul aplikasi", 6, ak="2.400"),
        _k("Mengelola basis data dan cadangan data", "basis data", 12, ak="0.960"),
        _k("Melayani permintaan dukungan teknologi informasi", "tiket", 240, ak="1.200"),
    )),
    Catalogue("analis_kebijakan", "Analis Kebijakan", FT, (
        _k("Menyusun kajian kebijakan", "naskah kajian", 2, ak="0.600"),
        _k("Menyusun policy brief dan rekomendasi kebijakan", "rekomendasi", 4, ak="0.250"),
        _k("Melakukan advokasi kebijakan", "kegiatan", 4, biaya=12000000, ak="0.400"),
        _k("Melakukan evaluasi implementasi kebijakan", "laporan", 2, ak="0.500"),
    )),
    Catalogue("fungsional_umum", "Jabatan Fungsional (umum)", FT, (
        _k("Melaksanakan kegiatan teknis sesuai butir jabatan fungsional", "laporan", 12, ak="1.200"),
        _k("Menyusun rekomendasi hasil pelaksanaan tugas", "rekomendasi", 4, ak="0.250"),
        _k("Menyusun laporan pelaksanaan tugas jabatan fungsional", "laporan", 12),
    )),
)}

# name fragments of a position -> its jenis (used only when identity did not state it); first match wins
_NAME_HINTS = (("kepala sekolah", "kepala_sekolah"), ("guru", "guru"), ("dosen", "dosen"), ("lektor", "dosen"),
               ("dokter", "dokter"), ("perawat", "perawat"), ("bidan", "bidan"), ("apoteker", "apoteker"),
               ("auditor", "auditor"), ("pranata komputer", "pranata_komputer"),
               ("analis kebijakan", "analis_kebijakan"))


def infer_jenis(kind: str, job_group: str, nama: str) -> str:
    """The jenis jabatan of a position whose identity record did not state one."""
    if kind in STRUKTURAL_KINDS:
        return kind
    if kind == FT:
        lowered = (nama or "").lower()
        for hint, jenis in _NAME_HINTS:
            if hint in lowered:
                return jenis
        return {"pendidik": "guru"}.get(job_group, "fungsional_umum")
    return "pelaksana"


def catalogue_of(jenis: str | None, kind: str, job_group: str = "", nama: str = "") -> Catalogue:
    """The starter catalogue for a position: its jenis' (stated, else inferred); angka kredit only when the
    position is fungsional tertentu (DOMAIN §1.3), whatever catalogue was chosen."""
    found = CATALOGUES.get(jenis or "") or CATALOGUES[infer_jenis(kind, job_group, nama)]
    if kind != FT and any(i.angka_kredit is not None for i in found.kegiatan):
        found = Catalogue(found.jenis, found.nama, found.kind, tuple(
            CatalogueKegiatan(i.nama, i.satuan, i.kuantitas, i.waktu, i.biaya, None, i.kualitas)
            for i in found.kegiatan))
    return found
