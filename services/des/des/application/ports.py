"""What des's converted use cases need from storage, as plain values and abstract repositories; `adapters/`
implements them on PostgreSQL (`adapters/unit_of_work.py`), the unit tests in memory (`tests/des_fakes.py`).

Rows are plain frozen dataclasses so a use case never holds a database row. The modules still on a SQLAlchemy
session (`NOT_YET_MODULES` in tests/contracts/test_import_graph.py: handlers, consumers, importing) reach the
converted ones through `adapters.unit_of_work.in_session`, a unit of work bound to their open transaction.
"""
from __future__ import annotations

import abc
import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform.unit_of_work import UnitOfWork

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


class QuickEntries(abc.ABC):
    """What a quick-entry line needs: the SKP of the day and its kegiatan, and the report and plan use cases
    (`application/handlers.py`, still on the session: reached through this port until it is converted)."""

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


class DesUnitOfWork(UnitOfWork):
    """The unit of work des's use cases take: the platform's port plus des's repositories."""

    targets: MonthlyTargets
    quick: QuickEntries
