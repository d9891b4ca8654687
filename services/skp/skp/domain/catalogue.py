"""Starter catalogues of kegiatan tugas jabatan, one per job group, from which a jabatan's SKP template is made.

Written by this project from the domain facts (DOMAIN.md §1.3, §6 A-D): every kegiatan has a satuan, a yearly
target kuantitas, kualitas 100, waktu in months (12 for the annual SKP) and biaya only where the kegiatan is
typically funded; angka kredit targets exist only for jabatan fungsional tertentu (§1.3 "AK"). They are starting
points: the employee adjusts the targets on the drafted document and the penilai approves them.

A catalogue is chosen by the position's job group and kind (struktural, fungsional tertentu, pelaksana); a job
group without an entry for the kind falls back to the umum entry of that kind.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

STRUKTURAL_KINDS = frozenset({"struktural_jpt", "struktural_administrator", "struktural_pengawas"})
KINDS = STRUKTURAL_KINDS | {"fungsional_tertentu", "pelaksana"}
JOB_GROUPS = ("umum", "pendidik", "kesehatan", "fungsional")


@dataclass(frozen=True)
class CatalogueKegiatan:
    nama: str
    satuan: str
    kuantitas: Decimal
    waktu: Decimal = Decimal(12)
    biaya: Decimal | None = None
    angka_kredit: Decimal | None = None
    kualitas: Decimal = Decimal(100)


def _k(nama, satuan, kuantitas, biaya=None, ak=None) -> CatalogueKegiatan:
    return CatalogueKegiatan(nama=nama, satuan=satuan, kuantitas=Decimal(kuantitas),
                             biaya=None if biaya is None else Decimal(biaya),
                             angka_kredit=None if ak is None else Decimal(ak))


def kind_class(kind: str) -> str:
    """struktural, fungsional_tertentu or pelaksana."""
    return "struktural" if kind in STRUKTURAL_KINDS else kind


def is_struktural(kind: str) -> bool:
    return kind in STRUKTURAL_KINDS


CATALOGUES: dict[tuple[str, str], tuple[CatalogueKegiatan, ...]] = {
    ("umum", "struktural"): (
        _k("Menyusun rencana kerja tahunan unit", "dokumen", 1),
        _k("Membagi tugas dan memberi petunjuk kepada bawahan", "laporan", 12),
        _k("Memantau dan mengevaluasi pelaksanaan tugas bawahan", "laporan", 12),
        _k("Mengoordinasikan kegiatan dengan unit kerja terkait", "laporan", 4, biaya=24000000),
        _k("Menyusun laporan kinerja unit", "laporan", 4),
    ),
    ("umum", "pelaksana"): (
        _k("Mengagendakan dan mendistribusikan surat masuk dan keluar", "surat", 1200),
        _k("Mengolah data administrasi unit", "data", 240),
        _k("Menyusun laporan bulanan kegiatan", "laporan", 12),
    ),
    ("umum", "fungsional_tertentu"): (
        _k("Menyusun kajian kebijakan", "naskah", 2, ak="0.600"),
        _k("Menyusun rekomendasi hasil analisis", "rekomendasi", 4, ak="0.250"),
        _k("Menyusun laporan pelaksanaan tugas", "laporan", 12),
    ),
    ("pendidik", "fungsional_tertentu"): (
        _k("Menyusun program pembelajaran (silabus dan RPP)", "dokumen", 2, ak="1.000"),
        _k("Melaksanakan pembelajaran tatap muka", "jam tatap muka", 864, ak="9.000"),
        _k("Melaksanakan evaluasi dan analisis hasil belajar", "laporan", 2, ak="1.000"),
        _k("Menyusun dan melaksanakan program perbaikan dan pengayaan", "program", 2, ak="1.000"),
        _k("Melaksanakan pengembangan keprofesian berkelanjutan", "karya", 1, ak="1.130"),
    ),
    ("pendidik", "struktural"): (
        _k("Menyusun rencana kerja sekolah", "dokumen", 1),
        _k("Melaksanakan supervisi akademik guru", "laporan", 2),
        _k("Mengelola anggaran sekolah", "laporan", 4, biaya=150000000),
        _k("Menyusun laporan penyelenggaraan sekolah", "laporan", 2),
    ),
    ("pendidik", "pelaksana"): (
        _k("Mengelola administrasi kesiswaan", "berkas", 360),
        _k("Mengelola administrasi kepegawaian sekolah", "berkas", 120),
        _k("Menyusun laporan administrasi sekolah", "laporan", 12),
    ),
    ("kesehatan", "fungsional_tertentu"): (
        _k("Melaksanakan pelayanan medik rawat jalan", "tiap 10 pasien", 480, ak="2.400"),
        _k("Melakukan tindakan keperawatan dasar", "tindakan", 600, ak="3.000"),
        _k("Melaksanakan penyuluhan kesehatan masyarakat", "laporan", 12, ak="0.360"),
        _k("Melaksanakan jaga pelayanan (on call)", "tiap kali", 48, ak="0.480"),
    ),
    ("kesehatan", "struktural"): (
        _k("Menyusun rencana usulan kegiatan puskesmas", "dokumen", 1),
        _k("Mengelola program kesehatan masyarakat", "laporan", 12, biaya=60000000),
        _k("Memantau mutu pelayanan kesehatan", "laporan", 4),
        _k("Menyusun laporan kinerja puskesmas", "laporan", 4),
    ),
    ("kesehatan", "pelaksana"): (
        _k("Mendaftar dan mengarsipkan rekam medis pasien", "berkas", 2400),
        _k("Mengelola data kunjungan pasien", "laporan", 12),
        _k("Mengelola persediaan obat dan bahan habis pakai", "laporan", 12),
    ),
    ("fungsional", "fungsional_tertentu"): (
        _k("Melaksanakan audit kinerja", "laporan hasil audit", 4, biaya=40000000, ak="2.400"),
        _k("Menyusun kertas kerja pemeriksaan", "kertas kerja", 24, ak="1.200"),
        _k("Mengolah dan menganalisis data statistik", "tabel", 48, ak="0.960"),
        _k("Menyusun laporan pelaksanaan tugas jabatan fungsional", "laporan", 12),
    ),
}


def catalogue_for(job_group: str, kind: str) -> tuple[str, tuple[CatalogueKegiatan, ...]]:
    """(catalogue name, kegiatan) for a position; falls back to the umum catalogue of the same kind class."""
    cls = kind_class(kind)
    key = (job_group, cls)
    if key not in CATALOGUES:
        key = ("umum", cls)
    if key not in CATALOGUES:  # an unknown kind: the general pelaksana list
        key = ("umum", "pelaksana")
    items = CATALOGUES[key]
    if cls != "fungsional_tertentu":  # angka kredit only for fungsional tertentu (DOMAIN §1.3)
        items = tuple(CatalogueKegiatan(i.nama, i.satuan, i.kuantitas, i.waktu, i.biaya, None, i.kualitas)
                      for i in items)
    return f"{key[0]}/{key[1]}", items
