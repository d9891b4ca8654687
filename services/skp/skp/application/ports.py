"""What skp's use cases need from storage, as plain values and abstract repositories; `adapters/` implements them
on PostgreSQL (`adapters/unit_of_work.py`), the unit tests in memory (`tests/skp_fakes.py`).

Rows are plain dicts (documents, plans, evaluations: their columns) or frozen dataclasses; a use case never holds a
database row. Code that owns a transaction already (`apply_once`, the timers) runs a use case through
`adapters.unit_of_work.in_session`, a unit of work bound to that transaction.
"""
from __future__ import annotations

import abc
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform.unit_of_work import UnitOfWork
from ekinerja_rules.permenpanrb_6_2022.rules import Predikat

from ..domain.document import Target, TargetAmounts


@dataclass(frozen=True)
class Position:
    """A position as identity's ``position_changed`` told it (``jenis_jabatan``: identity's label, else None)."""

    jabatan_id: str
    instansi_id: str
    nama: str
    kind: str
    job_group: str
    jenis_jabatan: str | None = None


@dataclass(frozen=True)
class TemplateVersion:
    """One immutable version of a position template: the kegiatan (JSON rows, `domain/template.py:to_json`) and,
    for PermenPANRB 6/2022 holders, the pendekatan and RHK rows. ``created_at`` is set by the store."""

    jabatan_id: str
    version: int
    instansi_id: str
    source: str
    reason: str
    author: str
    kegiatan: list[dict]
    pendekatan: str | None = None
    rhk: list[dict] | None = None
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class Person:
    """Who a form names: the PNS, the pejabat penilai or the atasan pejabat penilai."""

    nama: str
    nip: str
    pangkat: str  # "Penata, III/c"
    jabatan: str
    unit: str


NOBODY = Person("-", "-", "-", "-", "-")


class Templates(abc.ABC):
    """Positions and their template versions (docs/position-templates.md)."""

    @abc.abstractmethod
    def position(self, jabatan_id: str, *, lock: bool = False) -> Position | None:
        """The position, or None; ``lock``: held until the unit ends (serialises changes to its template)."""

    @abc.abstractmethod
    def penilai_of_position(self, jabatan_id: str) -> frozenset[str]:
        """The penilai recorded for the position's current definitive holders (identity's assignment_changed)."""

    @abc.abstractmethod
    def current_version(self, jabatan_id: str) -> TemplateVersion | None:
        """The highest version, or None."""

    @abc.abstractmethod
    def versions(self, jabatan_id: str) -> list[TemplateVersion]:
        """Every version, oldest first."""

    @abc.abstractmethod
    def add_version(self, version: TemplateVersion) -> TemplateVersion | None:
        """Store ``version``; None when that version number exists already (another change made it first)."""


class Documents(abc.ABC):
    """SKP documents and what hangs off them (kegiatan, realisation, tugas tambahan, the audit trail), each row a
    plain dict as `adapters/repository.py` reads it (ids as ``uuid.UUID``, decimals as ``Decimal``)."""

    @abc.abstractmethod
    def get(self, skp_id: str | uuid.UUID, *, lock: bool = False) -> dict:
        """The document (InvalidArgument on ``skp_id`` for a malformed id, NotFound when there is none); ``lock``:
        held until the unit ends."""

    @abc.abstractmethod
    def of_employee(self, nip: str, year: int = 0) -> list[dict]:
        """The employee's documents (those touching ``year`` unless 0), by period start."""

    @abc.abstractmethod
    def update(self, skp_id: uuid.UUID, **values) -> None:
        """Change the document's columns; its ``version`` grows by one."""

    @abc.abstractmethod
    def add_audit(self, skp_id: uuid.UUID, actor: str, action: str, detail: dict | None = None) -> None:
        """Append an entry to the document's audit trail."""

    @abc.abstractmethod
    def audit_entries(self, skp_id: uuid.UUID, after_id: int | None = None, limit: int | None = None) -> list[dict]:
        """The audit trail (``id``, ``at``, ``actor``, ``action``, ``detail``) in order, after ``after_id``."""

    @abc.abstractmethod
    def audit_dates(self, skp_id: uuid.UUID) -> dict[str, dt.date]:
        """The day (in the user's zone) each audited action last happened on the document."""

    @abc.abstractmethod
    def heads_of(self, doc: dict) -> frozenset[str]:
        """The heads up the chain of the document's assignment (identity's ``heads``, as last told)."""

    @abc.abstractmethod
    def employee_instansi(self, nip: str) -> str | None:
        """The employee's instansi as identity last told it, or None."""

    @abc.abstractmethod
    def person_on_forms(self, nip: str | None) -> dict | None:
        """What the official forms print about a person (nip, nama, golongan, jabatan, unit); None for no NIP."""

    @abc.abstractmethod
    def view(self, doc: dict) -> dict:
        """The document with its working ``kegiatan`` (each with its ``realisasi``), ``tugas_tambahan`` and the
        employee's ``nama``."""

    @abc.abstractmethod
    def active_kegiatan(self, skp_id: uuid.UUID) -> list[dict]:
        """The working kegiatan, by nomor."""

    @abc.abstractmethod
    def kegiatan_by_id(self, skp_id: uuid.UUID) -> dict[uuid.UUID, dict]:
        """Every kegiatan of the document, the inactive ones too."""

    @abc.abstractmethod
    def replace_kegiatan(self, skp_id: uuid.UUID, targets: list[Target]) -> list[dict]:
        """The working kegiatan become ``targets`` (known ids updated, new inserted, missing deactivated); returns
        what changed, for the audit (InvalidArgument for an id not of this document)."""

    @abc.abstractmethod
    def set_realisasi(self, kegiatan_id: uuid.UUID, waktu: Decimal, biaya: Decimal | None) -> None:
        """Store the realised waktu and biaya of a kegiatan."""

    @abc.abstractmethod
    def add_tugas_tambahan(self, skp_id: uuid.UUID, uraian: str, tanggal: dt.date, actor: str) -> None:
        """Record an additional task."""

    @abc.abstractmethod
    def tugas_tambahan(self, skp_id: uuid.UUID) -> list[dict]:
        """The additional tasks, by date."""

    @abc.abstractmethod
    def realisation(self, skp_id: uuid.UUID) -> dict[uuid.UUID, dict]:
        """Per kegiatan: ``kuantitas`` (RO from des's approved work), ``kualitas`` (RK) and ``bulan_dinilai``."""

    @abc.abstractmethod
    def unrated_kegiatan(self, skp_id: uuid.UUID) -> dict[uuid.UUID, list[tuple[int, int]]]:
        """The kegiatan with approved work and no monthly kualitas at all, each with its (year, month)s of work."""

    @abc.abstractmethod
    def expired_results(self, today: dt.date, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` documents whose issued result's keberatan deadline passed before ``today``, locked
        (rows another unit holds are skipped)."""

    # -- what the events in (application/consumers.py) write --------------------------------------------------
    @abc.abstractmethod
    def open_of_employee(self, nip: str) -> list[dict]:
        """The employee's running documents (not closed, no ``closed_reason``), locked, by period start."""

    @abc.abstractmethod
    def create(self, values: dict) -> bool:
        """Insert a document row (``values``: its columns); False when the assignment's document for that period
        start, or the employee's for that position and period start, exists already (nothing written)."""

    @abc.abstractmethod
    def insert_kegiatan(self, skp_id: uuid.UUID, targets: list[Target]) -> None:
        """Add the document's first working kegiatan."""

    @abc.abstractmethod
    def set_target_amounts(self, kegiatan_id: uuid.UUID, amounts: TargetAmounts) -> None:
        """Store a kegiatan's period-dependent targets."""

    @abc.abstractmethod
    def upsert_activity(self, values: dict) -> None:
        """Keep the highest version of a reviewed activity (des's ``activity_reviewed``; may arrive out of order)."""

    @abc.abstractmethod
    def upsert_monthly_kualitas(self, values: dict) -> None:
        """Keep the penilai's kualitas of a kegiatan-month (des's ``monthly_quality_set``)."""


class Plans(abc.ABC):
    """The PermenPANRB 6/2022 plan of a document (RHK and IKI, the plan in force, ekspektasi, lampiran)."""

    @abc.abstractmethod
    def get(self, skp_id: uuid.UUID) -> dict:
        """The plan (``pendekatan``, ``rhk``, ``approved_rhk``, ``approved_pendekatan``, ``ekspektasi``,
        ``lampiran``); an empty quantitative one when nothing was written yet."""

    @abc.abstractmethod
    def save(self, skp_id: uuid.UUID, **values) -> None:
        """Store the plan's columns in ``values`` (the others are kept)."""

    @abc.abstractmethod
    def approved_rhk_of_atasan(self, atasan_nip: str | None, start: dt.date, end: dt.date,
                               ruleset: str) -> dict[str, dict] | None:
        """The approved RHK (by id) of the atasan's documents under ``ruleset`` overlapping ``start .. end``; None
        when the atasan has no approved plan there (nothing to cascade from yet)."""


class Evaluations(abc.ABC):
    """The periodic evaluations of a 6/2022 document (realisation per IKI, ratings, predikat), the penilai's
    feedback, and what they read from elsewhere (des's reviewed work, the position's jenjang)."""

    @abc.abstractmethod
    def get(self, skp_id: uuid.UUID, periode: str) -> dict | None:
        """The period's evaluation, or None."""

    @abc.abstractmethod
    def of_document(self, skp_id: uuid.UUID) -> list[dict]:
        """Every evaluation of the document, by period start (a longer period first)."""

    @abc.abstractmethod
    def save(self, doc: dict, periode, bulan: int, **values) -> None:
        """Create the period's evaluation on first use (``periode``: domain/evaluation.py's Periode), then store
        ``values``."""

    @abc.abstractmethod
    def add_feedback(self, skp_id: uuid.UUID, periode: str, penilai_nip: str, item: dict) -> dict:
        """Record a feedback note; returns it as stored (``id``, ``at``, ...)."""

    @abc.abstractmethod
    def feedback(self, skp_id: uuid.UUID, periode: str | None = None) -> list[dict]:
        """The feedback of the document (of one period unless None), in order."""

    @abc.abstractmethod
    def des_realisasi(self, skp_id: uuid.UUID, iki_id: str, start: dt.date,
                      end: dt.date) -> tuple[Decimal, list[str]]:
        """The recognised kuantitas of des's approved activities reported against the IKI in ``start .. end``
        ("proses" entries do not count) and the ids of all of them."""

    @abc.abstractmethod
    def jenjang_of_position(self, jabatan_id: str) -> str | None:
        """The position's jenjang as identity wrote it, or None."""

    @abc.abstractmethod
    def record_predikat(self, instansi_id: str, periode: str, nip: str, predikat: str, unit_id: str | None) -> None:
        """The employee's finalised predikat of ``periode``, counted by the distribution curve (one per employee)."""


@dataclass(frozen=True)
class AssignmentState:
    """The latest state of an assignment identity told (``data``: the event's data), for the yearly rollover."""

    assignment_id: str
    start_date: dt.date
    end_date: dt.date | None
    data: dict


class Directory(abc.ABC):
    """What skp keeps of identity's events: positions, employees, assignments."""

    @abc.abstractmethod
    def save_position(self, values: dict) -> None:
        """Keep the position (``values``: its columns), unless a higher ``version`` of it is kept already."""

    @abc.abstractmethod
    def save_employee(self, nip: str, nama: str, instansi_id: str | None, golongan: str | None) -> None:
        """Keep the employee's name, instansi and golongan (printed on the forms)."""

    @abc.abstractmethod
    def assignment_version(self, assignment_id: str) -> int | None:
        """The version of the assignment's kept state (None: none), locked until the unit ends."""

    @abc.abstractmethod
    def save_assignment(self, assignment_id: str, values: dict) -> None:
        """Keep the assignment's latest state (``values``: nip, version, acting, jabatan_id, start_date, end_date,
        data)."""

    @abc.abstractmethod
    def to_roll_over(self, year: int, limit: int) -> list[AssignmentState]:
        """Up to ``limit`` open, definitive assignments running in ``year`` with no document of that year yet,
        locked (rows another unit holds are skipped), by assignment id."""



@dataclass(frozen=True)
class Setting:
    """An instansi setting in force (``version`` 0: the row exists but was never set)."""

    value: str
    version: int
    updated_by: str
    updated_at: dt.datetime | None


class Settings(abc.ABC):
    """The instansi settings of issue 22 (``kind``: ``ruleset`` and ``siklus_evaluasi`` per year, keyed by the
    year; ``predikat_organisasi`` per period, keyed by the period), their audit, the finalised periods and the
    employees' finalised predikat the distribution curve counts."""

    @abc.abstractmethod
    def get(self, kind: str, instansi_id: str, key: int | str) -> Setting | None:
        """The setting, or None when never written."""

    @abc.abstractmethod
    def lock(self, kind: str, instansi_id: str, key: int | str, value: str, actor: str) -> Setting:
        """The setting locked until the unit ends (a concurrent change waits, then sees this one); a row of version
        0 holding ``value`` is made first when there is none."""

    @abc.abstractmethod
    def change(self, kind: str, instansi_id: str, key: int | str, value: str, version: int, actor: str) -> None:
        """Store ``value`` as version ``version``."""

    @abc.abstractmethod
    def audit(self, kind: str, instansi_id: str, key: str, actor: str, old: str | None, new: str,
              reason: str) -> None:
        """Append to the settings' audit trail (who, old -> new, why)."""

    @abc.abstractmethod
    def history(self, kind: str, instansi_id: str, key: str) -> list[dict]:
        """The audit trail of one setting (``at``, ``actor``, ``old_value``, ``new_value``, ``reason``), in order."""

    @abc.abstractmethod
    def hold(self, name: str, *, shared: bool) -> None:
        """A lock on ``name`` until the unit ends (shared: many holders; else exclusive)."""

    @abc.abstractmethod
    def periodic_evaluations(self, instansi_id: str, tahun: int) -> int:
        """How many monthly or quarterly evaluations of ``tahun`` the instansi has."""

    @abc.abstractmethod
    def finalisation(self, instansi_id: str, periode: str) -> dict | None:
        """The period's finalisation (``finalised_at``, ``finalised_by``, ``pelanggaran``, ...), or None."""

    @abc.abstractmethod
    def add_finalisation(self, values: dict) -> None:
        """Record a period's finalisation (a second one for the same period is ignored)."""

    @abc.abstractmethod
    def predikat_of(self, instansi_id: str, periode: str) -> list[Predikat]:
        """The finalised predikat of every employee of ``instansi_id`` in ``periode`` (one per employee)."""


class SkpUnitOfWork(UnitOfWork):
    """skp's unit of work: the repositories its converted use cases write through."""

    templates: Templates
    documents: Documents
    directory: Directory
    plans: Plans
    settings: Settings
    evaluations: Evaluations
