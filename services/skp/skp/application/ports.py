"""What skp's converted use cases need from storage, as plain values and abstract repositories; `adapters/`
implements them on PostgreSQL (`adapters/unit_of_work.py`), the unit tests in memory (`tests/skp_fakes.py`).

The modules still on a SQLAlchemy session (`NOT_YET_MODULES` in tests/contracts/test_import_graph.py) reach the
converted ones through `adapters.unit_of_work.in_session`, a unit of work bound to their open transaction.
"""
from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass

from ekinerja_platform.unit_of_work import UnitOfWork


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
    """SKP documents as the converted use cases need them: the row as a plain dict, and the audit trail."""

    @abc.abstractmethod
    def get(self, skp_id: str) -> dict:
        """The document (InvalidArgument on ``skp_id`` for a malformed id, NotFound when there is none)."""

    @abc.abstractmethod
    def add_audit(self, skp_id, actor: str, action: str, detail: dict | None = None) -> None:
        """Append an entry to the document's audit trail."""


class SkpUnitOfWork(UnitOfWork):
    """skp's unit of work: the repositories its converted use cases write through."""

    templates: Templates
    documents: Documents
