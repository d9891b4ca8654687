"""`python -m skp.demo`: gives every position of `make run`'s demo agencies (identity/demo.py: KAB-DEMO and
KOTA-DEMO) its own template, version 1 (KOTA-DEMO's with RHK/IKI too, so its 6/2022 documents start with a draft
plan), and puts KOTA-DEMO on the `permenpanrb-6-2022` ruleset for last year and
this year (so skp drafts its documents under it), before the services start (never loaded anywhere else).
Idempotent: a position that has a template already keeps it; the ruleset already in force is not set again.

Positions with a jenis of their own (Dokter, Bidan, Pranata Komputer, ...) get a copy of that national
catalogue; positions sharing a jenis get kegiatan written for them (the Sekda is not the Kepala Dinas Kesehatan,
the Guru PJOK is not the Guru Kelas), so no two different positions share a template by accident.
"""
from __future__ import annotations

import sys

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_platform import clock
from ekinerja_platform.db import make_engine
from ekinerja_platform.settings import env

from .adapters import tables as t
from .domain import template as tpl
from .domain.catalogue import CATALOGUES, _k

INSTANSI = "KAB-DEMO"
INSTANSI_622 = "KOTA-DEMO"  # the demo agency appraised under PermenPANRB 6/2022 (issue 22)
AGENCIES = (INSTANSI, INSTANSI_622)
AUTHOR = "demo-seed"

OWN: dict[str, tuple] = {  # position -> kegiatan written for it (its jenis is shared with other demo positions)
    "SEKDA": (
        _k("Mengoordinasikan penyusunan RPJMD dan RKPD", "dokumen", 2),
        _k("Memimpin Tim Anggaran Pemerintah Daerah", "rapat TAPD", 12, biaya=150000000),
        _k("Membina dan mengevaluasi kinerja perangkat daerah", "laporan evaluasi", 4),
        _k("Mengoordinasikan pelaksanaan reformasi birokrasi", "laporan", 2),
        _k("Menyusun laporan penyelenggaraan pemerintahan daerah (LPPD)", "dokumen", 1),
    ),
    "INSPEKTUR": (
        _k("Menetapkan program kerja pengawasan tahunan (PKPT)", "dokumen", 1),
        _k("Mengendalikan mutu audit dan reviu", "laporan hasil pengawasan", 12, biaya=80000000),
        _k("Melaporkan hasil pengawasan kepada kepala daerah", "laporan", 4),
        _k("Memantau tindak lanjut temuan BPK dan APIP", "laporan", 4),
    ),
    "KADISDIK": (
        _k("Menyusun rencana strategis dinas pendidikan", "dokumen", 1),
        _k("Mengendalikan pemenuhan standar pelayanan minimal pendidikan", "laporan", 4, biaya=200000000),
        _k("Mengoordinasikan pemerataan guru antarsekolah", "keputusan", 2),
        _k("Menyusun laporan kinerja dinas pendidikan", "dokumen", 1),
    ),
    "KADINKES": (
        _k("Menyusun rencana strategis dinas kesehatan", "dokumen", 1),
        _k("Mengendalikan pencapaian standar pelayanan minimal kesehatan", "laporan", 4, biaya=250000000),
        _k("Mengoordinasikan penanggulangan stunting dan penyakit menular", "rapat koordinasi", 12),
        _k("Menyusun laporan kinerja dinas kesehatan", "dokumen", 1),
    ),
    "KABAG-UMUM": (
        _k("Menyusun rencana kebutuhan barang milik daerah sekretariat", "dokumen", 1),
        _k("Mengelola urusan rumah tangga dan protokol pimpinan", "laporan", 12, biaya=90000000),
        _k("Membina tata naskah dinas dan kearsipan", "laporan", 4),
        _k("Menyusun laporan kinerja bagian umum", "laporan", 4),
    ),
    "KABID-GTK": (
        _k("Menyusun analisis kebutuhan guru dan tenaga kependidikan", "dokumen", 1),
        _k("Mengelola usulan kenaikan pangkat dan sertifikasi guru", "berkas usulan", 120),
        _k("Menyelenggarakan pengembangan kompetensi guru", "kegiatan", 4, biaya=60000000),
        _k("Menyusun laporan kinerja bidang GTK", "laporan", 4),
    ),
    "KABID-YANKES": (
        _k("Menyusun rencana peningkatan mutu pelayanan kesehatan", "dokumen", 1),
        _k("Membina akreditasi puskesmas", "puskesmas", 4, biaya=40000000),
        _k("Mengelola sistem rujukan dan pelayanan kesehatan darurat", "laporan", 12),
        _k("Menyusun laporan kinerja bidang pelayanan kesehatan", "laporan", 4),
    ),
    "KAPUS": (
        _k("Menyusun rencana usulan kegiatan puskesmas", "dokumen", 1),
        _k("Mengelola program kesehatan masyarakat puskesmas", "laporan", 12, biaya=60000000),
        _k("Memantau mutu pelayanan dan keselamatan pasien", "laporan", 4),
        _k("Menyusun laporan kinerja puskesmas", "laporan", 4),
    ),
    "TAS": (
        _k("Mengelola administrasi kesiswaan", "berkas", 360),
        _k("Mengelola data pokok pendidikan (Dapodik)", "pemutakhiran", 12),
        _k("Menyusun laporan administrasi sekolah", "laporan", 12),
    ),
    "PENGADM-PKM": (
        _k("Mendaftar dan mengarsipkan rekam medis pasien", "berkas", 2400),
        _k("Mengelola data kunjungan pasien", "laporan", 12),
        _k("Menyusun laporan klaim JKN puskesmas", "laporan", 12),
    ),
    "GURU-PJOK": (
        _k("Menyusun program pembelajaran PJOK (silabus dan RPP)", "dokumen", 2, ak="1.000"),
        _k("Melaksanakan pembelajaran PJOK tatap muka", "jam tatap muka", 864, ak="9.000"),
        _k("Melaksanakan tes kebugaran jasmani siswa", "laporan", 2, ak="1.000"),
        _k("Membina ekstrakurikuler olahraga", "kegiatan", 24, ak="0.500"),
        _k("Melaksanakan pengembangan keprofesian berkelanjutan", "karya", 1, ak="1.130"),
    ),
}
FROM_CATALOGUE = {"KASUBAG-TU": "struktural_pengawas", "PENGADM": "pelaksana", "PRAKOM": "pranata_komputer",
                  "AUDITOR": "auditor", "KEPSEK": "kepala_sekolah", "GURU": "guru", "DOKTER": "dokter",
                  "PERAWAT": "perawat", "BIDAN": "bidan", "APOTEKER": "apoteker"}


def demo_templates() -> dict[str, tuple[str, str, tuple]]:
    """jabatan_id -> (source, reason, kegiatan) of every demo position's first template version."""
    out = {}
    for instansi in AGENCIES:
        for jid, jenis in FROM_CATALOGUE.items():
            out[f"{instansi}.{jid}"] = (f"catalogue:{jenis}", f"demo: salinan katalog {CATALOGUES[jenis].nama}",
                                        CATALOGUES[jenis].kegiatan)
        for jid, kegiatan in OWN.items():
            out[f"{instansi}.{jid}"] = ("edit", "demo: kegiatan jabatan ini", kegiatan)
    return out


JPT = frozenset({"SEKDA", "INSPEKTUR", "KADISDIK", "KADINKES"})  # struktural_jpt in identity's demo tree


def template_rhk(jabatan_id: str, kegiatan: tuple) -> tuple[str, list[dict]]:
    """A KOTA-DEMO position's RHK for PermenPANRB 6/2022: one RHK utama, its IKI the first two kegiatan's yearly
    quantities (a JPT's from the organisation's plan, with a perspektif). The holder still picks the atasan's RHK."""
    from .domain import rhk
    jpt = jabatan_id.split(".", 1)[1] in JPT
    first = kegiatan[0]
    item = rhk.RhkInput(
        jenis="utama", uraian=first.nama,
        sasaran_organisasi="Meningkatnya kinerja pelayanan Pemerintah Kota Demo" if jpt else "",
        perspektif="penerima layanan" if jpt else "",
        iki=tuple(rhk.IkiInput(uraian=f"{k.nama} ({k.satuan})", aspek="kuantitas", target=tpl.plain(k.kuantitas),
                               satuan=k.satuan) for k in kegiatan[:2]))
    return rhk.validate_template_rhk("kuantitatif", [item], "struktural_jpt" if jpt else "pelaksana")


def set_demo_rulesets(db) -> list[tuple[int, str]]:
    """KOTA-DEMO appraises last year and this year under PermenPANRB 6/2022 (audited as set by the demo seed)."""
    from ekinerja_platform.tokens import Principal

    from .adapters.unit_of_work import in_session
    from .application.ruleset_setting import set_ruleset_setting
    seeder = Principal(AUTHOR, ("admin_bkn",), None)
    out = []
    for tahun in (clock.today().year - 1, clock.today().year):
        with db.transaction() as session:
            view = set_ruleset_setting(in_session(session), seeder, INSTANSI_622, tahun, "permenpanrb-6-2022",
                                       "demo: instansi kedua dinilai dengan PermenPANRB 6/2022")
        out.append((tahun, view["ruleset"]))
    return out


def seed(database_url: str) -> int:
    """The templates (returns how many were made now) and KOTA-DEMO's ruleset."""
    from sqlalchemy.orm import sessionmaker

    from ekinerja_platform.db import DatabaseAccess

    engine = make_engine(database_url, pool_size=1)
    made = 0
    try:
        with engine.begin() as conn:
            for jabatan_id, (source, reason, kegiatan) in demo_templates().items():
                pendekatan, rhk_rows = template_rhk(jabatan_id, kegiatan) if jabatan_id.startswith(
                    f"{INSTANSI_622}.") else (None, None)
                made += conn.execute(pg_insert(t.template_versions).values(
                    jabatan_id=jabatan_id, version=1, instansi_id=jabatan_id.split(".", 1)[0], source=source,
                    reason=reason, author=AUTHOR, kegiatan=tpl.to_json(kegiatan), pendekatan=pendekatan,
                    rhk=rhk_rows).on_conflict_do_nothing()
                    .returning(sa.literal(1))).first() is not None
        set_demo_rulesets(DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False)))
    finally:
        engine.dispose()
    return made


def rollover(database_url: str) -> int:
    """This year's documents for the demo's assignments, which start last year: what the service's yearly rollover
    timer does (`consumers.rollover_year`, replica-safe), run once now instead of within its ten minutes."""
    from sqlalchemy.orm import sessionmaker

    from ekinerja_platform.db import DatabaseAccess

    from .adapters.unit_of_work import in_session
    from .application import consumers

    engine = make_engine(database_url, pool_size=1)
    db, handled = DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False)), 0
    try:
        while True:
            with db.transaction() as session:
                batch = consumers.rollover_year(in_session(session), clock.today())
            handled += batch
            if batch < consumers.ROLLOVER_BATCH:
                return handled
    finally:
        engine.dispose()


def main() -> int:
    """`python -m skp.demo` (templates, before the services start) or `python -m skp.demo rollover` (after skp has
    taken identity's assignment events)."""
    url = env("EKINERJA_DATABASE_URL")
    if not url:
        print("error: EKINERJA_DATABASE_URL is required", file=sys.stderr)
        return 2
    if sys.argv[1:] == ["rollover"]:
        print(f"skp demo: {rollover(url)} assignments rolled over to {clock.today().year}")
        return 0
    print(f"skp demo: {seed(url)} position templates made")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
