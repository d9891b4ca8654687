"""What des's converted use cases need from storage, as plain values and abstract repositories; `adapters/`
implements them on PostgreSQL (`adapters/unit_of_work.py`), the unit tests in memory (`tests/des_fakes.py`).

Rows are plain frozen dataclasses so a use case never holds a database row. SubmitActivity's hot path runs on
connections of its own rather than a unit of work: it sees them as `NewReports` (`adapters/activity_store.py`).
"""
from __future__ import annotations

import abc
import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from ekinerja_platform.unit_of_work import UnitOfWork

from ..domain.activity import Activity
from ..domain.quick_entry import Kegiatan


@dataclass(frozen=True)
class TargetsDocument:
    """An SKP document as its monthly split's event states it; `revision` is the one this publication carries."""

    instansi_id: str
    period_start: dt.date
    period_end: dt.date
    revision: int


@dataclass(frozen=True)
class KegiatanTotal:
    kegiatan_id: str
    satuan: str
    kuantitas: Decimal


@dataclass(frozen=True)
class MonthTarget:
    kegiatan_id: str
    tahun: int
    bulan: int
    kuantitas: Decimal


@dataclass(frozen=True)
class DaySkp:
    """The SKP document covering a day: whose penilai reviews the entries of that day."""

    skp_id: str
    instansi_id: str
    penilai_nip: str | None


@dataclass(frozen=True)
class SkpHeader:
    """An SKP document as its monthly targets' use cases need it."""

    skp_id: str
    instansi_id: str
    penilai_nip: str | None
    period_start: dt.date
    period_end: dt.date
    ruleset: str | None


@dataclass(frozen=True)
class TargetRow:
    """A month target with its kegiatan's nomor, nama and satuan, and the penilai's kualitas (None: not rated)."""

    skp_id: str
    kegiatan_id: str
    nomor: int
    nama: str
    satuan: str
    tahun: int
    bulan: int
    kuantitas: Decimal
    kualitas: Decimal | None = None


class MonthlyTargets(abc.ABC):
    """The monthly split of an SKP's kegiatan (des's own copy; recap measures against it)."""

    @abc.abstractmethod
    def next_revision(self, nip: str, skp_id: str) -> TargetsDocument | None:
        """Raise the document's targets revision under its row lock (orders concurrent publications); None when
        des does not know the document."""

    @abc.abstractmethod
    def kegiatan(self, nip: str, skp_id: str) -> list[KegiatanTotal]:
        """The document's kegiatan with their yearly kuantitas, by nomor."""

    @abc.abstractmethod
    def split(self, nip: str, skp_id: str) -> list[MonthTarget]:
        """Every month target of the document."""

    @abc.abstractmethod
    def of_kegiatan(self, nip: str, skp_id: str, kegiatan_id: str) -> dict[tuple[int, int], Decimal]:
        """One kegiatan's months {(tahun, bulan): kuantitas}."""

    @abc.abstractmethod
    def set(self, nip: str, skp_id: str, kegiatan_id: str, values: dict[tuple[int, int], Decimal],
            actor: str) -> None:
        """Make the kegiatan's months exactly `values` (months not in it are dropped)."""

    @abc.abstractmethod
    def document(self, nip: str, skp_id: str) -> SkpHeader | None: ...

    @abc.abstractmethod
    def covering(self, nip: str, tanggal: dt.date) -> SkpHeader | None:
        """The open document covering the day (the latest one starting on or before it)."""

    @abc.abstractmethod
    def rows(self, nip: str, skp_id: str) -> list[TargetRow]:
        """Every month target of the document, by kegiatan nomor, then month."""

    @abc.abstractmethod
    def month_for_update(self, nip: str, skp_id: str, kegiatan_id: str, tahun: int, bulan: int) -> TargetRow | None:
        """One month target, held until the unit ends; None when there is none."""

    @abc.abstractmethod
    def set_quality(self, nip: str, skp_id: str, kegiatan_id: str, tahun: int, bulan: int, kualitas: Decimal,
                    actor: str) -> None: ...


@dataclass(frozen=True)
class SkpDocument:
    """des's copy of an approved SKP document (or 6/2022 plan), as skp's events state it."""

    instansi_id: str
    unit_id: str | None
    jabatan_id: str | None
    period_start: dt.date
    period_end: dt.date
    penilai_nip: str | None
    atasan_penilai_nip: str | None
    version: int
    ruleset: str | None = None  # None: keep the recorded one (a new document takes the table's default)


@dataclass(frozen=True)
class ClosedDocument:
    period_start: dt.date
    period_end: dt.date
    ruleset: str


@dataclass(frozen=True)
class Assignment:
    """An employee's post as identity's `assignment_changed` states it."""

    instansi_id: str | None
    unit_id: str | None
    jabatan_id: str | None
    penilai_nip: str | None
    heads: list[str] | None


class SkpCopies(abc.ABC):
    """des's copies of skp's documents and their kegiatan (des learns them from skp's events only)."""

    @abc.abstractmethod
    def version(self, nip: str, skp_id: str) -> int | None:
        """The recorded version of the document, locked until the unit ends; None when des does not know it."""

    @abc.abstractmethod
    def save(self, nip: str, skp_id: str, document: SkpDocument) -> None:
        """Insert or replace the document (open again: not closed)."""

    @abc.abstractmethod
    def save_kegiatan(self, nip: str, skp_id: str, kegiatan_id: str, *, nomor: int, nama: str, satuan: str,
                      kuantitas: Decimal, rhk_id: str | None = None) -> None: ...

    @abc.abstractmethod
    def drop_kegiatan(self, nip: str, skp_id: str, kegiatan_ids: list[str]) -> None:
        """Remove these kegiatan and their month targets."""

    @abc.abstractmethod
    def keep_only_kegiatan(self, nip: str, skp_id: str, kegiatan_ids: list[str]) -> None:
        """Remove every other kegiatan of the document (a 6/2022 plan: no month targets)."""

    @abc.abstractmethod
    def set_kegiatan_total(self, nip: str, skp_id: str, kegiatan_id: str, kuantitas: Decimal) -> None: ...

    @abc.abstractmethod
    def close(self, nip: str, skp_id: str, period_end: dt.date | None) -> ClosedDocument | None:
        """Mark the document closed; with `period_end`, it ends there and its months after it are dropped. None
        when des does not know the document."""

    @abc.abstractmethod
    def follow_penilai(self, nip: str, skp_id: str, penilai_nip: str | None) -> None:
        """Entries of the document still waiting for review go to this penilai."""

    @abc.abstractmethod
    def audit(self, nip: str, entity: str, entity_id: str, action: str, actor: str, after: dict) -> None: ...

    @abc.abstractmethod
    def forget_context(self, nip: str) -> None:
        """Drop what the process caches about the employee's entry context (its SKP changed)."""


class Employees(abc.ABC):
    """des's copy of identity's employees: name, instansi, status, post and heads."""

    @abc.abstractmethod
    def registered(self, nip: str, nama: str | None, instansi_id: str | None, status: str | None) -> None:
        """Insert or update (a known name is kept when the event has none)."""

    @abc.abstractmethod
    def status_changed(self, nip: str, instansi_id: str | None, status: str | None) -> None: ...

    @abc.abstractmethod
    def assigned(self, nip: str, version: int, assignment: Assignment) -> None:
        """Record the post unless an equal or newer version of it is recorded already."""


@dataclass(frozen=True)
class ImportDocument:
    """An open SKP document as an import checks records against it."""

    nip: str
    skp_id: str
    unit_id: str | None
    penilai_nip: str | None
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True)
class ImportLookups:
    """What a batch's checks read, in one look-up of the nips it names."""

    documents: dict[str, list[ImportDocument]]     # nip -> its open documents in the instansi, newest first
    kegiatan: dict[tuple[str, str, str], str]      # (nip, skp_id, kegiatan_id) -> satuan
    locks: dict[str, list[tuple[dt.date, dt.date]]]  # nip -> locked periods (start, end)


@dataclass(frozen=True)
class StagedBatch:
    """The valid records of a batch made ready to write: their new activity ids (in order) and the writer's
    payload (built while earlier batches are written)."""

    ids: list[str]
    payload: object


class Imports(abc.ABC):
    """The agency's bulk import: set-based reads and writes of whole batches."""

    @abc.abstractmethod
    def window_days(self, instansi_id: str, default: int) -> int: ...

    @abc.abstractmethod
    def lookups(self, instansi_id: str, nips: list[str]) -> ImportLookups: ...

    @abc.abstractmethod
    def stage(self, valid: list) -> StagedBatch:
        """`valid`: (index, record, ImportDocument, ActivityContent) of the records to write."""

    @abc.abstractmethod
    def write(self, instansi_id: str, actor: str, valid: list, staged: StagedBatch, may_claim=None,
              claimed=None) -> dict[tuple[str, str], str]:
        """Claim the records' ids (after `may_claim()`, then `claimed()`) and write the new ones with their audit
        records and `activity_submitted` events; the records claimed before: {(nip, record_id): first id}."""


class QuickEntries(abc.ABC):
    """What a quick-entry line needs: the SKP of the day and its kegiatan, and the report and plan use cases
    (`application/activities.py` and `plans.py`, reached through this port so quick entry's tests state what
    they return)."""

    @abc.abstractmethod
    def skp_for_date(self, nip: str, tanggal: dt.date) -> DaySkp | None: ...

    @abc.abstractmethod
    def kegiatan(self, nip: str, skp_id: str) -> list[Kegiatan]:
        """The document's kegiatan, by nomor."""

    @abc.abstractmethod
    def savepoint(self) -> AbstractContextManager:
        """A nested transaction: a refused entry leaves nothing behind, the unit itself stays usable."""

    @abc.abstractmethod
    def report(self, principal, tanggal: dt.date, kegiatan_id: str, uraian: str, kuantitas: Decimal,
               satuan: str) -> str:
        """Submit a report as SubmitActivity does (source "text"); its activity id."""

    @abc.abstractmethod
    def plan(self, principal, tanggal: dt.date, kegiatan_id: str, uraian: str, kuantitas: Decimal,
             satuan: str) -> str:
        """Submit a plan as SubmitPlan does; its plan id."""


class InstansiSettings(abc.ABC):
    """An instansi's own settings (today: its entry window)."""

    @abc.abstractmethod
    def set_window(self, instansi_id: str, days: int, actor: str) -> None:
        """Insert or replace the instansi's entry window, with its audit record."""

    @abc.abstractmethod
    def forget_contexts(self) -> None:
        """Drop every day context the process caches (they carry the window)."""


class Relations(abc.ABC):
    """Who an employee's work is about: the SKP of a day (its penilai), the instansi, the heads up the chain."""

    @abc.abstractmethod
    def skp_for_date(self, nip: str, tanggal: dt.date) -> DaySkp | None:
        """The open SKP document covering the day (the latest one starting on or before it)."""

    @abc.abstractmethod
    def instansi_of(self, nip: str) -> str | None:
        """The instansi of the employee's latest SKP, else identity's."""

    @abc.abstractmethod
    def heads_of(self, nip: str) -> frozenset[str]:
        """identity's heads of the employee and the atasan penilai of its SKPs."""


class AuditTrail(abc.ABC):
    @abc.abstractmethod
    def record(self, nip: str, entity: str, entity_id: str, action: str, actor: str, before: dict | None,
               after: dict | None, reason: str | None = None) -> None: ...

    @abc.abstractmethod
    def trail(self, nip: str, entity_id: str | None, after: tuple | None = None,
                limit: int | None = None) -> list[AuditRecord]:
        """The employee's records (of one entity when given), oldest first, after the page key `after`."""


@dataclass(frozen=True)
class EntryContext:
    """A day as a new plan checks against it, in one read: the SKP covering it, whether it is locked, the kegiatan
    named (None fields when it is not on that SKP)."""

    skp_id: str
    instansi_id: str
    unit_id: str | None
    penilai_nip: str | None
    window_days: int | None
    locked: bool
    kegiatan_id: str | None
    kegiatan_satuan: str | None
    kegiatan_nomor: int | None
    ruleset: str | None = None


class Plans(abc.ABC):
    """Daily plans (rencana)."""

    @abc.abstractmethod
    def entry_context(self, nip: str, tanggal: dt.date, kegiatan_id: str) -> EntryContext | None:
        """None when no open SKP covers the day."""

    @abc.abstractmethod
    def add(self, plan: dict) -> None: ...

    @abc.abstractmethod
    def between(self, nip: str, start: dt.date, end: dt.date, after: tuple | None = None,
                limit: int | None = None) -> list[dict]:
        """The plans of the days (tanggal, then entry time, then id), after the page key `after`."""


@dataclass(frozen=True)
class PeriodLock:
    nip: str
    lock_id: uuid.UUID
    skp_id: str | None
    scope: str               # day | month
    tanggal_start: dt.date
    tanggal_end: dt.date
    locked_by: str
    locked_at: dt.datetime | None = None
    unlocked_by: str | None = None
    unlocked_at: dt.datetime | None = None
    unlock_reason: str | None = None


class Locks(abc.ABC):
    """The penilai's locks on an employee's days (period_locks)."""

    @abc.abstractmethod
    def serialise(self, nip: str, skp_id: str) -> None:
        """Hold the employee's SKP copy until the unit ends, so two lockers of one employee go one after another."""

    @abc.abstractmethod
    def active(self, nip: str, start: dt.date, end: dt.date | None = None) -> PeriodLock | None:
        """A lock not lifted that overlaps the days (`end` None: the one day)."""

    @abc.abstractmethod
    def add(self, nip: str, lock_id: uuid.UUID, skp_id: str, scope: str, start: dt.date, end: dt.date,
            locked_by: str) -> None: ...

    @abc.abstractmethod
    def get_for_update(self, nip: str, lock_id: uuid.UUID) -> PeriodLock | None:
        """The lock, held until the unit ends."""

    @abc.abstractmethod
    def lift(self, nip: str, lock_id: uuid.UUID, actor: str, reason: str) -> None: ...

    @abc.abstractmethod
    def of(self, nip: str, start: dt.date | None, end: dt.date | None, include_lifted: bool) -> list[PeriodLock]:
        """The locks overlapping the days (all when `start` is None), by start then lock time."""


class Activities(abc.ABC):
    """An employee's reports as domain objects."""

    @abc.abstractmethod
    def between(self, nip: str, start: dt.date, end: dt.date, state: str | None = None) -> list[Activity]:
        """The reports of the days (in `state` when given), by day then entry time."""

    @abc.abstractmethod
    def save(self, activity: Activity, at: dt.datetime, *, reviewed: bool = False) -> None:
        """Write the report's new state and version (its row is the version before); `reviewed`: `at` is its
        review time."""


@dataclass(frozen=True)
class Entry:
    """A stored report: its row as the answers and events state it (every column) and its domain object."""

    view: dict
    activity: Activity


class Reviews(abc.ABC):
    """What the penilai's review reads."""

    @abc.abstractmethod
    def entry(self, activity_id: str, *, for_update: bool = False) -> Entry | None:
        """The report of an id (`for_update`: held until the unit ends); None for an unknown or malformed id."""

    @abc.abstractmethod
    def awaiting_on(self, nip: str, tanggal: dt.date) -> list[str]:
        """The ids of the employee-day's reports waiting for review, in id order."""

    @abc.abstractmethod
    def queue(self, penilai_nip: str, start: dt.date | None, end: dt.date | None, limit: int,
              after: tuple | None = None) -> list[dict]:
        """What waits for the penilai (with the employee's and kegiatan's names), by day, then send time, then id."""

    @abc.abstractmethod
    def unrated(self, penilai_nip: str, today: dt.date) -> list[dict]:
        """Subordinates' kegiatan-months with approved work and no kualitas."""


@dataclass(frozen=True)
class ReportContext:
    """A day as a new report checks against it, in one read: the SKP covering it (and its version, which the
    write re-checks), the instansi's entry window (None: the default), whether the day is locked, the kegiatan
    named (None fields when it is not on that SKP)."""

    skp_id: str
    instansi_id: str
    unit_id: str | None
    penilai_nip: str | None
    skp_version: int
    window_days: int | None
    locked: bool
    kegiatan_id: str | None
    kegiatan_satuan: str | None
    kegiatan_nomor: int | None
    ruleset: str = "pp46-2011"  # permenpanrb-6-2022: the kegiatan are the IKI of the approved plan


@dataclass(frozen=True)
class NewEvidence:
    evidence_id: uuid.UUID
    content_type: str
    sha256: str
    data: bytes


@dataclass(frozen=True)
class NewReport:
    """A new report checked against its context: everything its one write needs. The write adds its audit record
    and, unless it is a draft, its `activity_submitted` event (`event_id`), and counts it as sent for review."""

    activity: Activity
    ctx: ReportContext
    evidence: NewEvidence | None
    event_id: str | None
    at: dt.datetime
    source: str


AnswerKey = tuple[str, str]  # an idempotency key as stored: (scope, key)
T = TypeVar("T")


class ReportWrites(abc.ABC):
    """SubmitActivity's statements on one connection, each atomic on its own (autocommit)."""

    @abc.abstractmethod
    def read(self, nip: str, tanggal: dt.date | None, kegiatan_id: str | None,
             key: AnswerKey | None) -> tuple[bytes | None, ReportContext | None]:
        """(the stored answer of `key` or None, the day's context or None when no open SKP covers it); the
        context is remembered for `NewReports.cached`."""

    @abc.abstractmethod
    def write(self, report: NewReport, key: AnswerKey | None, response: bytes | None) -> tuple[bool, bool]:
        """Claim `key` (storing `response`) and write the report, guarded by a fresh look at its context: (the
        guard held, it was written). Not written with the guard held: another request claimed the key first."""

    @abc.abstractmethod
    def stored_answer(self, key: AnswerKey) -> bytes | None: ...


class NewReports(abc.ABC):
    """SubmitActivity's path (adapters/activity_store.py): contexts cached by the process, statements on
    connections of its own, and concurrent requests' writes joined into one statement."""

    @abc.abstractmethod
    def cached(self, nip: str, tanggal: dt.date, kegiatan_id: str | None) -> ReportContext | None:
        """A context read earlier (never its lock flag: the write's guard re-checks everything)."""

    @abc.abstractmethod
    def forget(self, nip: str) -> None:
        """Drop the employee's cached contexts (a write's guard found one stale)."""

    @abc.abstractmethod
    def on_one_connection(self, work: Callable[[ReportWrites], T]) -> T:
        """`work(writes)` on one connection; run once more on a fresh one when the first proved broken before
        anything was written."""

    @abc.abstractmethod
    def stored_answer(self, key: AnswerKey) -> bytes | None: ...

    @abc.abstractmethod
    def write_joined(self, report: NewReport, key: AnswerKey | None, response: bytes | None, answer: Any,
                     otherwise: Callable[[bool], Any]) -> Any:
        """Queue the write to be joined with concurrent ones and return at once what the RPC answers: it settles
        with `answer` once the report is written, else with `otherwise(guard held)` (run in a thread of its own:
        it may read and write again), or with the write's error."""


@dataclass(frozen=True)
class EvidenceFile:
    evidence_id: uuid.UUID
    content_type: str
    data: bytes


@dataclass(frozen=True)
class AuditRecord:
    audit_id: int
    entity: str
    entity_id: str
    action: str
    actor: str
    at: dt.datetime
    before: dict | None
    after: dict | None
    reason: str | None


class Reports(abc.ABC):
    """An employee's reports as stored rows, for the unit's writes (quick entry, edit, send) and the reads."""

    @abc.abstractmethod
    def context(self, nip: str, tanggal: dt.date, kegiatan_id: str | None) -> ReportContext | None:
        """The day's context; None when no open SKP covers it."""

    @abc.abstractmethod
    def add(self, report: NewReport) -> bool:
        """Write the report as `ReportWrites.write` does, in the unit (counted once it commits); False when the
        guard failed (the context changed since it was read)."""

    @abc.abstractmethod
    def entry(self, activity_id: str, *, for_update: bool = False) -> Entry | None:
        """The report of an id (`for_update`: held until the unit ends); None for an unknown or malformed id."""

    @abc.abstractmethod
    def kegiatan_satuan(self, nip: str, skp_id: str) -> dict[str, str]:
        """The document's kegiatan: {kegiatan_id: satuan}."""

    @abc.abstractmethod
    def add_evidence(self, nip: str, evidence: NewEvidence) -> None: ...

    @abc.abstractmethod
    def save(self, activity: Activity, at: dt.datetime, *, content_changed: bool = False, submitted: bool = False,
             evidence_id: uuid.UUID | None = None) -> None:
        """Write the report's new state, version (its row is the version before) and, with `content_changed`,
        content; `submitted`: `at` is its send time."""

    @abc.abstractmethod
    def count_submitted(self, instansi_id: str | None, source: str) -> None:
        """Count a report sent for review for the first time, once the unit commits."""

    @abc.abstractmethod
    def between(self, nip: str, start: dt.date, end: dt.date, state: str | None = None, after: tuple | None = None,
                limit: int | None = None) -> list[dict]:
        """The reports of the days (in `state` when given) by day, entry time, id, after the page key `after`."""

    @abc.abstractmethod
    def evidence(self, nip: str, evidence_id: uuid.UUID) -> EvidenceFile | None: ...

    @abc.abstractmethod
    def month_totals(self, nip: str, skp_id: str, start: dt.date, end: dt.date) -> dict[str, tuple]:
        """Per kegiatan over the days: (reported: every state but draft, recognised: approved or locked, at the
        penilai's kuantitas_diakui when set)."""

    @abc.abstractmethod
    def targets_of_month(self, nip: str, skp_id: str, tahun: int, bulan: int) -> list[TargetRow]:
        """The document's targets of one month, by kegiatan nomor."""


class DesUnitOfWork(UnitOfWork):
    """The unit of work des's use cases take: the platform's port plus des's repositories."""

    targets: MonthlyTargets
    skp: SkpCopies
    employees: Employees
    imports: Imports
    quick: QuickEntries
    settings: InstansiSettings
    relations: Relations
    audit: AuditTrail
    plans: Plans
    locks: Locks
    activities: Activities
    reviews: Reviews
    reports: Reports
