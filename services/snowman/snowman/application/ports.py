"""What snowman's use cases need from storage, as plain values and abstract repositories; `adapters/` implements
them on PostgreSQL (`adapters/repository.py`, `adapters/unit_of_work.py`), the unit tests in memory
(`tests/unit/snowman_fakes.py`).

Rows are plain frozen dataclasses so a use case never holds a database row.
"""
from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform.unit_of_work import UnitOfWork

from ..domain import entries as dom
from ..domain.ranking import Candidate


@dataclass(frozen=True)
class EntryRow:
    """An entry: its current (published) searchable copy and its counters."""

    id: str
    kelompok: tuple[str, ...]
    latest_version: int
    published_version: int | None
    helpful: int = 0
    not_helpful: int = 0
    judul: str | None = None
    rujukan: str | None = None


@dataclass(frozen=True)
class VersionRow:
    entry_id: str
    version: int
    content: dom.EntryContent
    status: str
    author: str
    approved_by: str | None
    question_id: str | None
    created_at: object
    published_at: object


@dataclass(frozen=True)
class SearchRow:
    candidate: Candidate
    judul: str
    jawaban: str
    rujukan: str
    ruleset: str
    version: int


@dataclass(frozen=True)
class QuestionRow:
    id: str
    pertanyaan: str
    normalised: str
    kelompok: str
    status: str
    entry_id: str | None
    asked_at: dt.datetime


@dataclass(frozen=True)
class SimilarRow:
    """An earlier question worded like another one, and how alike (pg_trgm similarity, 0..1)."""

    id: str
    pertanyaan: str
    status: str
    entry_id: str | None
    similarity: float


class Entries(abc.ABC):
    """Entries, their versions and votes."""

    @abc.abstractmethod
    def get(self, entry_id: str, *, lock: bool = False) -> EntryRow | None:
        """`lock`: held until the unit ends (serialises edits and publications of one entry)."""

    @abc.abstractmethod
    def create(self, entry_id: str, kelompok: tuple[str, ...]) -> bool:
        """A new entry without versions; False when the id is taken."""

    @abc.abstractmethod
    def add_version(self, entry_id: str, version: int, content: dom.EntryContent, *, author: str,
                    question_id: str | None = None) -> None:
        """A draft version, which becomes the entry's latest."""

    @abc.abstractmethod
    def version(self, entry_id: str, version: int) -> VersionRow | None: ...

    @abc.abstractmethod
    def history(self, entry_id: str) -> list[VersionRow]:
        """Every version, oldest first."""

    @abc.abstractmethod
    def publish(self, entry_id: str, version: int, approver: str) -> None:
        """Make the draft `version` the published one (the previous published one is superseded) and searchable."""

    @abc.abstractmethod
    def page(self, *, kelompok: str | None, drafts: bool, visible_groups: tuple[str, ...] | None, offset: int,
             limit: int) -> list[EntryRow]:
        """Entries by id: published ones, or (`drafts`) those with a draft newer than their published version."""

    @abc.abstractmethod
    def vote(self, entry_id: str, voter: str, helpful: bool, question_id: str | None) -> tuple[int, int]:
        """Record or replace the voter's vote; the entry's (helpful, not_helpful) afterwards."""


class Questions(abc.ABC):
    @abc.abstractmethod
    def add(self, *, question_id: str, pertanyaan: str, normalised: str, kelompok: str, asker: str, status: str,
            top_entry_id: str | None, top_score: Decimal | None) -> None: ...

    @abc.abstractmethod
    def get(self, question_id: str, *, lock: bool = False) -> QuestionRow | None: ...

    @abc.abstractmethod
    def similar(self, normalised: str, *, exclude: str | None = None) -> list[SimilarRow]:
        """Earlier questions worded alike (open, expert-answered or duplicate), closest first."""

    @abc.abstractmethod
    def open_page(self, groups: tuple[str, ...] | None, limit: int, after: tuple | None) -> list[QuestionRow]:
        """Open questions of `groups` (None: all), oldest first, after the (asked_at, id) `after`."""

    @abc.abstractmethod
    def draft_for(self, question_id: str) -> str | None:
        """The entry drafted as an answer to the question, if any."""

    @abc.abstractmethod
    def close(self, question_id: str, *, status: str, entry_id: str | None, handled_by: str,
              duplicate_of: str | None = None) -> None: ...


class Search(abc.ABC):
    """The lexical half of Ask: typo corrections and scored candidates (PostgreSQL full text + pg_trgm)."""

    @abc.abstractmethod
    def corrections(self, words: list[str]) -> dict[str, str]:
        """For each word no published entry contains, the closest known word."""

    @abc.abstractmethod
    def candidates(self, terms: str, surface: str, extra: str = "") -> list[SearchRow]:
        """Candidates for `terms` (full weight) and `extra` (synonyms, partial weight)."""


class SnowmanUnitOfWork(UnitOfWork):
    """The unit of work snowman's use cases take: the platform's port plus snowman's repositories."""

    entries: Entries
    questions: Questions
    search: Search
