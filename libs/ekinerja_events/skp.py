"""skp's events (docs/events.md, skp): SKP documents approved, scored and closed (PP 46/2011), and the PermenPANRB
6/2022 plan approved and its periods rated."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .base import Payload, Record

PRODUCER = "skp"
NIP, PENILAI, ATASAN = "198001012006041001", "197501012000031002", "197001011995031003"
SKP_ID = "0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a60"


@dataclass(frozen=True, kw_only=True)
class ApprovedKegiatan(Record):
    kegiatan_id: str
    nomor: int
    nama: str
    satuan: str
    kuantitas: Decimal
    kualitas: Decimal
    waktu: Decimal
    biaya: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class SkpApproved(Payload):
    producer = PRODUCER
    event_type = "skp_approved"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    jabatan_id: str | None = None
    period_start: dt.date
    period_end: dt.date
    penilai_nip: str | None = None
    atasan_penilai_nip: str | None = None
    kegiatan: tuple[ApprovedKegiatan, ...]
    version: int  # the document's, shared with rencana_kinerja_approved: keep the highest

    @classmethod
    def example(cls):
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm", jabatan_id="j-analis",
                   period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31), penilai_nip=PENILAI,
                   atasan_penilai_nip=ATASAN,
                   kegiatan=(ApprovedKegiatan(kegiatan_id="0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a61", nomor=1,
                                              nama="Menyusun laporan", satuan="dokumen", kuantitas=Decimal("12"),
                                              kualitas=Decimal("100"), waktu=Decimal("12")),),
                   version=2)


@dataclass(frozen=True, kw_only=True)
class SkpScored(Payload):
    producer = PRODUCER
    event_type = "skp_scored"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    year: int
    penilai_nip: str | None = None
    nilai_capaian_skp: Decimal | None = None
    nilai_perilaku: Decimal | None = None
    nilai_prestasi_kerja: Decimal | None = None
    sebutan: str | None = None

    @classmethod
    def example(cls):
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm", year=2024, penilai_nip=PENILAI,
                   nilai_capaian_skp=Decimal("85.5"), nilai_perilaku=Decimal("80"),
                   nilai_prestasi_kerja=Decimal("83.3"), sebutan="Baik")


@dataclass(frozen=True, kw_only=True)
class ServedKegiatan(Record):
    kegiatan_id: str
    kuantitas: Decimal  # prorated to the months served after a move ("4.17")


@dataclass(frozen=True, kw_only=True)
class SkpClosed(Payload):
    producer = PRODUCER
    event_type = "skp_closed"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    period_end: dt.date
    reason: str  # moved, final
    nilai_prestasi_kerja: Decimal | None = None
    kegiatan: tuple[ServedKegiatan, ...] = ()  # empty for a document never approved

    @classmethod
    def example(cls):
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", period_end=dt.date(2024, 5, 31), reason="moved",
                   kegiatan=(ServedKegiatan(kegiatan_id="0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a61",
                                            kuantitas=Decimal("4.17")),))


@dataclass(frozen=True, kw_only=True)
class Iki(Record):
    iki_id: str
    nomor: int
    uraian: str
    aspek: str | None = None  # null for the qualitative approach (so are target and satuan)
    target: str | None = None
    satuan: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rhk(Record):
    rhk_id: str
    nomor: int
    jenis: str
    uraian: str
    iki: tuple[Iki, ...]


@dataclass(frozen=True, kw_only=True)
class RencanaKinerjaApproved(Payload):
    producer = PRODUCER
    event_type = "rencana_kinerja_approved"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    jabatan_id: str | None = None
    ruleset: str  # permenpanrb-6-2022
    period_start: dt.date
    period_end: dt.date
    penilai_nip: str | None = None
    atasan_penilai_nip: str | None = None
    pendekatan: str  # kuantitatif, kualitatif
    rhk: tuple[Rhk, ...]
    version: int  # the document's, shared with skp_approved: keep the highest

    @classmethod
    def example(cls):
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm", jabatan_id="j-analis",
                   ruleset="permenpanrb-6-2022", period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
                   penilai_nip=PENILAI, atasan_penilai_nip=ATASAN, pendekatan="kuantitatif",
                   rhk=(Rhk(rhk_id="rhk-1", nomor=1, jenis="utama", uraian="Layanan daring tersedia",
                            iki=(Iki(iki_id="iki-1", nomor=1, uraian="Dokumen layanan", aspek="kuantitas",
                                     target="12", satuan="dokumen"),)),),
                   version=3)


@dataclass(frozen=True, kw_only=True)
class Realisasi(Record):
    rhk_id: str
    rhk_uraian: str
    iki_id: str
    nomor: str  # "1.2"
    uraian: str
    aspek: str | None = None
    target: str | None = None
    satuan: str | None = None
    realisasi: str | None = None
    uraian_realisasi: str | None = None
    bukti: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EvaluasiRated(Payload):
    producer = PRODUCER
    event_type = "evaluasi_rated"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    periode: str  # 2024-03, 2024-Q1, 2024
    jenis_periode: str  # bulanan, triwulanan, tahunan
    period_start: dt.date
    period_end: dt.date
    bulan: int  # months of the period the document covers
    penilai_nip: str | None = None
    hasil_kerja: str  # di_atas, sesuai, di_bawah
    perilaku: str
    kode_hasil_kerja: int  # SIASN 1-3
    kode_perilaku: int
    predikat: str
    kode_predikat: int  # SIASN 1-5
    jenjang: str | None = None
    angka_kredit: Decimal | None = None  # "25.000"
    rated_at: dt.datetime | None = None
    realisasi: tuple[Realisasi, ...]  # one per IKI of the approved plan, as rated

    @classmethod
    def example(cls):
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm", periode="2024-Q1",
                   jenis_periode="triwulanan", period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31),
                   bulan=3, penilai_nip=PENILAI, hasil_kerja="sesuai", perilaku="di_atas", kode_hasil_kerja=2,
                   kode_perilaku=1, predikat="baik", kode_predikat=2, jenjang="ahli_pertama",
                   angka_kredit=Decimal("3.125"),
                   rated_at=dt.datetime(2024, 4, 2, 1, 0, tzinfo=dt.timezone.utc),
                   realisasi=(Realisasi(rhk_id="rhk-1", rhk_uraian="Layanan daring tersedia", iki_id="iki-1",
                                        nomor="1.1", uraian="Dokumen layanan", aspek="kuantitas", target="12",
                                        satuan="dokumen", realisasi="3", bukti=("act-1",)),))
