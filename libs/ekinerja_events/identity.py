"""identity's events (docs/events.md, identity): the employee, their positions and assignments, a phone to verify."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .base import Payload, Record

PRODUCER = "identity"
NIP = "198001012006041001"


@dataclass(frozen=True, kw_only=True)
class EmployeeRegistered(Payload):
    producer = PRODUCER
    event_type = "employee_registered"
    schema_version = 1
    nip: str
    nama: str
    instansi_id: str
    golongan: str
    status: str

    @classmethod
    def example(cls):
        return cls(nip=NIP, nama="Siti Aminah", instansi_id="kemenpan", golongan="III/a", status="aktif")


@dataclass(frozen=True, kw_only=True)
class EmployeeStatusChanged(Payload):
    producer = PRODUCER
    event_type = "employee_status_changed"
    schema_version = 1
    nip: str
    instansi_id: str
    old_status: str | None = None
    new_status: str
    effective_date: dt.date
    end_date: dt.date | None = None

    @classmethod
    def example(cls):
        return cls(nip=NIP, instansi_id="kemenpan", old_status="aktif", new_status="cuti",
                   effective_date=dt.date(2024, 3, 1), end_date=dt.date(2024, 5, 31))


@dataclass(frozen=True, kw_only=True)
class PositionChanged(Payload):
    producer = PRODUCER
    event_type = "position_changed"
    schema_version = 1
    jabatan_id: str
    instansi_id: str
    unit_id: str
    unit_nama: str
    nama: str
    kind: str
    job_group: str
    parent_id: str | None = None
    eselon: str | None = None
    jenjang: str | None = None
    jenis_jabatan: str | None = None  # null: skp infers it
    version: int  # monotonic per jabatan

    @classmethod
    def example(cls):
        return cls(jabatan_id="j-analis", instansi_id="kemenpan", unit_id="u-sdm", unit_nama="Biro SDM",
                   nama="Analis SDM Aparatur", kind="fungsional", job_group="umum", parent_id="j-kabiro",
                   jenjang="ahli_pertama", version=3)


@dataclass(frozen=True, kw_only=True)
class AssignmentBefore(Record):
    jabatan_id: str
    unit_id: str
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class AssignmentAfter(Record):
    """identity always sends every field; des reads only the ids, and its fixtures send only those (loosened)."""
    jabatan_id: str
    jabatan_nama: str | None = None
    unit_id: str
    unit_nama: str | None = None
    kind: str | None = None
    job_group: str | None = None
    jenis_jabatan: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class AssignmentChanged(Payload):
    producer = PRODUCER
    event_type = "assignment_changed"
    schema_version = 1
    assignment_id: str
    nip: str
    instansi_id: str
    acting: bool
    effective_date: dt.date
    old: AssignmentBefore | None = None
    new: AssignmentAfter | None = None  # null: the assignment ended
    penilai_nip: str | None = None
    atasan_penilai_nip: str | None = None  # null: vacant to the top
    heads: tuple[str, ...] = ()  # every holder of every position above, nearest first
    version: int  # monotonic per NIP

    @classmethod
    def example(cls):
        return cls(assignment_id="0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a5b", nip=NIP, instansi_id="kemenpan",
                   acting=False, effective_date=dt.date(2024, 7, 1),
                   old=AssignmentBefore(jabatan_id="j-pelaksana", unit_id="u-sdm", start=dt.date(2020, 1, 1),
                                        end=dt.date(2024, 6, 30)),
                   new=AssignmentAfter(jabatan_id="j-analis", jabatan_nama="Analis SDM Aparatur", unit_id="u-sdm",
                                       unit_nama="Biro SDM", kind="fungsional", job_group="umum",
                                       start=dt.date(2024, 7, 1)),
                   penilai_nip="197501012000031002", atasan_penilai_nip="197001011995031003",
                   heads=("197501012000031002", "197001011995031003"), version=4)


@dataclass(frozen=True, kw_only=True)
class PhoneVerificationRequested(Payload):
    """For the SMS bridge only; consumers must not log it (a number and a code in clear)."""

    producer = PRODUCER
    event_type = "phone_verification_requested"
    schema_version = 1
    phone: str  # E.164, +628...
    code: str  # 6 digits
    expires_at: dt.datetime
    registration_id: str  # a newer registration of the same employee replaces it

    @classmethod
    def example(cls):
        return cls(phone="+6281200000001", code="123456",
                   expires_at=dt.datetime(2024, 7, 1, 3, 15, tzinfo=dt.timezone.utc),
                   registration_id="0190d5a4-7b1e-7c3a-9a52-0c1d2e3f4a5c")
