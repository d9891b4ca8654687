"""What recap's use cases need from storage, as abstract repositories and plain values; `adapters/` implements
them on PostgreSQL (`adapters/unit_of_work.py`), the unit tests in memory (`tests/recap_fakes.py`).

recap is a read model: most of its storage is a read port (`RecapReads`, the statements of
`adapters/queries_sql.py`) whose answers are plain values (`domain.lines.Line`, dicts of them, dataclasses), and
the projection of other services' events (`Projection`, `Intake`), whose SQL is the hot path and stays whole
behind the port.
"""
from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform.unit_of_work import UnitOfWork

from ..domain import compliance
from ..domain.lines import Line


class Relations(abc.ABC):
    """Who is below whom and what belongs to which instansi (from identity's and skp's events): what the policy
    table reads."""

    @abc.abstractmethod
    def subordinates(self, penilai_nip: str, start: dt.date, end: dt.date) -> set[str]:
        """NIPs whose pejabat penilai, or a head up whose chain, is `penilai_nip` on some day of [start, end]."""

    @abc.abstractmethod
    def instansi_of_employee(self, nip: str) -> str | None: ...

    @abc.abstractmethod
    def instansi_of_unit(self, unit_id: str) -> str | None: ...


class RecapReads(abc.ABC):
    """The recaps, read from recap's counters (never recounted from activities)."""

    @abc.abstractmethod
    def employee_recap(self, nip: str, kind: str, day: dt.date, today: dt.date) -> dict:
        """{nip, nama, period_key, start, end, total: Line, by_unit: [Line], kegiatan: [dict], evaluasi: [dict]}"""

    @abc.abstractmethod
    def unit_recap(self, unit_id: str, kind: str, day: dt.date, today: dt.date,
                   visible: set[str] | None = None) -> dict:
        """{unit_id, unit_nama, period_key, rows: [Line] by NIP, total: Line} of the unit and the units below it."""

    @abc.abstractmethod
    def unit_page(self, unit_id: str, kind: str, day: dt.date, today: dt.date, visible: set[str] | None,
                  offset: int, limit: int) -> dict:
        """`unit_recap` for one page, already in the API's form: {unit_id, unit_nama, period_key, members,
        rows: [tuple of PAGE_COLUMNS], total: tuple}."""

    @abc.abstractmethod
    def instansi_recap(self, instansi_id: str, kind: str, day: dt.date, today: dt.date) -> dict:
        """{instansi_id, period_key, rows: [Line per unit], total: Line}"""

    @abc.abstractmethod
    def instansi_lines(self, instansi_id: str, kind: str, day: dt.date, today: dt.date) -> dict[str, dict]:
        """{unit_id: {nip: Line}} of the instansi for the period, achievement and oldest pending age set."""

    @abc.abstractmethod
    def instansi_result(self, instansi_id: str, period_key: str, per_unit: dict[str, dict]) -> dict:
        """A row per unit (named) and the grand total from per-employee lines, as `instansi_recap` answers."""

    @abc.abstractmethod
    def names_of(self, nips) -> dict[str, str]: ...

    @abc.abstractmethod
    def unit_name(self, unit_id: str) -> str: ...

    @abc.abstractmethod
    def subtree_units(self, unit_id: str, start: dt.date, end: dt.date) -> list[str]:
        """The unit and the units below it during the period."""

    @abc.abstractmethod
    def noncompliance(self, instansi_id: str, unit_id: str | None, start: dt.date, end: dt.date, today: dt.date,
                      backlog_days: int) -> tuple[list[compliance.Finding], dict[str, str], int]:
        """(findings, names of the NIPs found, employee-days excused)"""

    @abc.abstractmethod
    def monthly_series(self, year: int, nip: str | None = None,
                       unit_id: str | None = None) -> list[Decimal | None]:
        """The achievement % of each month of `year`, of an employee or a unit (the mean of its members)."""

    @abc.abstractmethod
    def predikat_counts(self, unit_id: str, periode: str) -> dict[str, int]:
        """predikat -> employees of the unit rated in `periode` (an employee counts once, latest document)."""

    # -- what the recommendations are built from --------------------------------------------------------------
    @abc.abstractmethod
    def people(self, instansi_id: str, unit_id: str | None, start: dt.date,
               end: dt.date) -> tuple[set[str], dict[str, list[compliance.AssignmentSpan]]]:
        """NIPs posted in the instansi (or unit) during [start, end], and every assignment of each."""

    @abc.abstractmethod
    def achievements(self, nips, kind: str, day: dt.date) -> dict[str, Decimal | None]:
        """Each employee's maintained achievement % for the month or year containing `day` (absent: no target)."""

    @abc.abstractmethod
    def approved_positions(self, nips, start: dt.date, end: dt.date) -> set[tuple[str, str | None]]:
        """(nip, jabatan_id) of the approved SKP documents overlapping [start, end]."""

    @abc.abstractmethod
    def backlog(self, instansi_id: str, unit_id: str | None, today: dt.date,
                backlog_days: int) -> list[compliance.Finding]:
        """Reviews waiting longer than `backlog_days`, per penilai."""

    @abc.abstractmethod
    def work_without_target(self, nips, day: dt.date) -> dict[tuple[str, str, str], tuple[Decimal, Decimal]]:
        """{(nip, kegiatan_id, nama): (month target, realised)} for approved work whose month target is 0 or
        unknown."""

    @abc.abstractmethod
    def appraisal_scores(self, instansi_id: str, unit_id: str | None, year: int) -> dict[str, list[Decimal]]:
        """penilai NIP -> the nilai prestasi kerja they gave in `year`."""


@dataclass(frozen=True)
class CloseRecord:
    closed_at: dt.datetime
    closed_by: str


@dataclass(frozen=True)
class HolidayRow:
    tanggal: dt.date
    nama: str
    instansi_id: str


class MonthCloses(abc.ABC):
    """Closed months and their snapshot rows."""

    @abc.abstractmethod
    def claim(self, instansi_id: str, tahun: int, bulan: int, closed_by: str, event_id: str) -> bool:
        """Record the close unless one exists (also a concurrent one: it waits); True when this unit made it."""

    @abc.abstractmethod
    def get(self, instansi_id: str, tahun: int, bulan: int) -> CloseRecord | None: ...

    @abc.abstractmethod
    def save_rows(self, rows: list[dict]) -> None:
        """Snapshot rows: nip, instansi_id, tahun, bulan, unit_id, nama, achievement, oldest_pending_days and the
        counters."""

    @abc.abstractmethod
    def count_rows(self, instansi_id: str, tahun: int, bulan: int) -> int: ...

    @abc.abstractmethod
    def lines(self, instansi_id: str | None, tahun: int, bulan: int, *, nip: str | None = None,
              units_below: str | None = None) -> list[Line]:
        """Snapshot rows as lines, by NIP then unit: of the instansi (None: any), of one employee, or of the unit
        `units_below` and the units below it in that month."""


class Holidays(abc.ABC):
    @abc.abstractmethod
    def put(self, instansi_id: str, tanggal: dt.date, nama: str, set_by: str) -> None:
        """Set (or rename) one non-working day."""

    @abc.abstractmethod
    def remove(self, instansi_id: str, tanggal: dt.date) -> bool:
        """Clear one non-working day; True when there was one."""

    @abc.abstractmethod
    def between(self, instansi_id: str, start: dt.date, end: dt.date) -> list[HolidayRow]:
        """National days and the instansi's own, by day then instansi."""


class Projection(abc.ABC):
    """recap's projection of other services' events (the SQL of `adapters/intake.py` and `adapters/sql_store.py`)."""

    @abc.abstractmethod
    def log(self, envelope: dict) -> None:
        """Append the envelope to recap's event log (what `rebuild` re-applies); a second copy is ignored."""

    @abc.abstractmethod
    def apply_des(self, envelope: dict) -> None:
        """Project one des activity or plan event (no inbox, no log)."""

    @abc.abstractmethod
    def apply_reference(self, envelope: dict) -> None:
        """Project one reference event (identity, skp, des's month targets and quality)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Empty every projection, the event log held against inserts until the unit ends (the rebuild)."""

    @abc.abstractmethod
    def logged_after(self, seq: int, limit: int) -> list[tuple[int, dict]]:
        """Up to `limit` (seq, envelope) of the event log after `seq`, in order."""


class Intake(abc.ABC):
    """The batched intake of des's events on one partition (set-based statements, one transaction)."""

    @abc.abstractmethod
    def claim_many(self, envelopes: list[dict]) -> list[bool]:
        """Claim the events in the inbox: True for each one not seen before (a second copy in the batch: False)."""

    @abc.abstractmethod
    def apply_many(self, envelopes: list[dict]) -> None:
        """Project and log claimed des activity/plan events, in delivery order (nothing for an empty list)."""


class RecapUnitOfWork(UnitOfWork):
    relations: Relations
    reads: RecapReads
    closes: MonthCloses
    holidays: Holidays
    projection: Projection
    intake: Intake
