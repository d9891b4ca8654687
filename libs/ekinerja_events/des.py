"""des's events (docs/events.md, des): daily plans and activity reports, their review, the monthly quality and
targets, locked periods. `activity_submitted` is also built by PostgreSQL on des's set-based paths
(des/adapters/event_sql.py): the same shape."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .base import Payload, Record, absent_if_none

PRODUCER = "des"
NIP, PENILAI = "198001012006041001", "197501012000031002"
SKP_ID, KEGIATAN_ID = "0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a60", "0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a61"
ACTIVITY_ID = "0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a70"


@dataclass(frozen=True, kw_only=True)
class PlanSubmitted(Payload):
    producer = PRODUCER
    event_type = "plan_submitted"
    schema_version = 1
    plan_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    tanggal: dt.date
    skp_id: str
    kegiatan_id: str
    kuantitas: Decimal

    @classmethod
    def example(cls):
        return cls(plan_id="0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a71", nip=NIP, instansi_id="kemenpan", unit_id="u-sdm",
                   tanggal=dt.date(2024, 3, 4), skp_id=SKP_ID, kegiatan_id=KEGIATAN_ID, kuantitas=Decimal("1.00"))


@dataclass(frozen=True, kw_only=True)
class ActivitySubmitted(Payload):
    producer = PRODUCER
    event_type = "activity_submitted"
    schema_version = 1
    activity_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    tanggal: dt.date
    skp_id: str | None = None
    kegiatan_id: str | None = None  # null for non-SKP work
    jenis: str  # skp, non_skp, tugas_tambahan
    kuantitas: Decimal
    menit: int | None = None
    proses: bool
    penilai_nip: str | None = None
    version: int

    @classmethod
    def example(cls):
        return cls(activity_id=ACTIVITY_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm",
                   tanggal=dt.date(2024, 3, 4), skp_id=SKP_ID, kegiatan_id=KEGIATAN_ID, jenis="skp",
                   kuantitas=Decimal("1.00"), menit=90, proses=False, penilai_nip=PENILAI, version=1)


@dataclass(frozen=True, kw_only=True)
class ActivityReviewed(Payload):
    producer = PRODUCER
    event_type = "activity_reviewed"
    schema_version = 1
    activity_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    tanggal: dt.date
    skp_id: str | None = None
    kegiatan_id: str | None = None
    jenis: str
    kuantitas_diakui: Decimal | None = None
    menit: int | None = None
    proses: bool
    reviewer_nip: str | None = None
    submitted_at: dt.datetime | None = None
    reviewed_at: dt.datetime | None = None
    version: int

    @classmethod
    def example(cls):
        return cls(activity_id=ACTIVITY_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm",
                   tanggal=dt.date(2024, 3, 4), skp_id=SKP_ID, kegiatan_id=KEGIATAN_ID, jenis="skp",
                   kuantitas_diakui=Decimal("1.00"), menit=90, proses=False, reviewer_nip=PENILAI,
                   submitted_at=dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.timezone.utc),
                   reviewed_at=dt.datetime(2024, 3, 5, 2, 0, tzinfo=dt.timezone.utc), version=2)


@dataclass(frozen=True, kw_only=True)
class RevisionRequested(Payload):
    producer = PRODUCER
    event_type = "revision_requested"
    schema_version = 1
    activity_id: str
    nip: str
    instansi_id: str
    unit_id: str | None = None
    tanggal: dt.date
    reviewer_nip: str | None = None
    catatan: str | None = None
    version: int

    @classmethod
    def example(cls):
        return cls(activity_id=ACTIVITY_ID, nip=NIP, instansi_id="kemenpan", unit_id="u-sdm",
                   tanggal=dt.date(2024, 3, 4), reviewer_nip=PENILAI, catatan="lengkapi bukti", version=2)


@dataclass(frozen=True, kw_only=True)
class MonthlyQualitySet(Payload):
    producer = PRODUCER
    event_type = "monthly_quality_set"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    kegiatan_id: str
    tahun: int
    bulan: int
    kualitas: Decimal  # 0-100, two places

    @classmethod
    def example(cls):
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", kegiatan_id=KEGIATAN_ID, tahun=2024, bulan=3,
                   kualitas=Decimal("95.00"))


@dataclass(frozen=True, kw_only=True)
class MonthTarget(Record):
    tahun: int
    bulan: int
    kuantitas: Decimal  # three places, "0.000" outside the period


@dataclass(frozen=True, kw_only=True)
class KegiatanSplit(Record):
    kegiatan_id: str
    satuan: str | None = None
    kuantitas: Decimal  # yearly, three places; the months of the period add up to it
    months: tuple[MonthTarget, ...]


@dataclass(frozen=True, kw_only=True)
class MonthlyTargetsSet(Payload):
    producer = PRODUCER
    event_type = "monthly_targets_set"
    schema_version = 1
    skp_id: str
    nip: str
    instansi_id: str
    period_start: dt.date
    period_end: dt.date
    revision: int  # grows with each publication of the document: keep the highest
    kegiatan: tuple[KegiatanSplit, ...]

    @classmethod
    def example(cls):
        months = tuple(MonthTarget(tahun=2024, bulan=m, kuantitas=Decimal("1.000")) for m in range(1, 13))
        return cls(skp_id=SKP_ID, nip=NIP, instansi_id="kemenpan", period_start=dt.date(2024, 1, 1),
                   period_end=dt.date(2024, 12, 31), revision=1,
                   kegiatan=(KegiatanSplit(kegiatan_id=KEGIATAN_ID, satuan="dokumen", kuantitas=Decimal("12.000"),
                                           months=months),))


@dataclass(frozen=True, kw_only=True)
class PeriodLocked(Payload):
    producer = PRODUCER
    event_type = "period_locked"
    schema_version = 1
    nip: str
    instansi_id: str
    skp_id: str
    scope: str  # day (tanggal) or month (tahun, bulan)
    tanggal: dt.date | None = absent_if_none()
    tahun: int | None = absent_if_none()
    bulan: int | None = absent_if_none()
    activity_ids: tuple[str, ...]
    locked_by: str

    @classmethod
    def example(cls):
        return cls(nip=NIP, instansi_id="kemenpan", skp_id=SKP_ID, scope="day", tanggal=dt.date(2024, 3, 4),
                   activity_ids=(ACTIVITY_ID,), locked_by=PENILAI)
