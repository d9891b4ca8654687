"""In-memory repositories and unit of work for snowman's use-case tests (cosmicpython's `FakeRepository` habit).

They keep the rules the SQL adapters keep (the one published version, exact vote counters, open questions oldest
first) and nothing of the search's scoring: `FakeSearch` returns the candidates a test gives it, so a test states
what PostgreSQL would have found and checks what the use case does with it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from ekinerja_platform.testing_uow import FakeUnitOfWork
from snowman.application import ports
from snowman.domain import entries as dom

_TICK = itertools.count()


def _now() -> dt.datetime:
    """Strictly increasing instants, so "oldest first" is well defined between rows a test writes in a row."""
    return dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=next(_TICK))


class FakeEntries(ports.Entries):
    def __init__(self):
        self.rows: dict[str, ports.EntryRow] = {}
        self.versions: dict[tuple[str, int], ports.VersionRow] = {}
        self.votes: dict[tuple[str, str], bool] = {}
        self.locked: list[str] = []

    def get(self, entry_id, *, lock=False):
        if lock:
            self.locked.append(entry_id)
        return self.rows.get(entry_id)

    def create(self, entry_id, kelompok):
        if entry_id in self.rows:
            return False
        self.rows[entry_id] = ports.EntryRow(entry_id, tuple(kelompok), latest_version=0, published_version=None)
        return True

    def add_version(self, entry_id, version, content, *, author, question_id=None):
        self.versions[(entry_id, version)] = ports.VersionRow(entry_id, version, content, dom.DRAFT, author, None,
                                                              question_id, _now(), None)
        self.rows[entry_id] = dataclasses.replace(self.rows[entry_id], latest_version=version)

    def version(self, entry_id, version):
        return self.versions.get((entry_id, version))

    def history(self, entry_id):
        return [v for (e, _), v in sorted(self.versions.items()) if e == entry_id]

    def publish(self, entry_id, version, approver):
        for key, v in self.versions.items():
            if key[0] == entry_id and v.status == dom.PUBLISHED and key[1] != version:
                self.versions[key] = dataclasses.replace(v, status=dom.SUPERSEDED)
        draft = self.versions[(entry_id, version)]
        self.versions[(entry_id, version)] = dataclasses.replace(draft, status=dom.PUBLISHED, approved_by=approver,
                                                                 published_at=_now())
        self.rows[entry_id] = dataclasses.replace(self.rows[entry_id], published_version=version,
                                                  kelompok=draft.content.kelompok, judul=draft.content.judul,
                                                  rujukan=draft.content.rujukan)

    def page(self, *, kelompok, drafts, visible_groups, offset, limit):
        def shown(r):
            if drafts:
                newer = r.latest_version > (r.published_version or 0)
                return newer and (visible_groups is None or bool(set(r.kelompok) & set(visible_groups)))
            return r.published_version is not None
        rows = [r for _, r in sorted(self.rows.items()) if shown(r) and (not kelompok or kelompok in r.kelompok)]
        return rows[offset:offset + limit]

    def vote(self, entry_id, voter, helpful, question_id):
        self.votes[(entry_id, voter)] = helpful
        up = sum(1 for (e, _), h in self.votes.items() if e == entry_id and h)
        down = sum(1 for (e, _), h in self.votes.items() if e == entry_id and not h)
        self.rows[entry_id] = dataclasses.replace(self.rows[entry_id], helpful=up, not_helpful=down)
        return up, down


class FakeQuestions(ports.Questions):
    def __init__(self, entries: FakeEntries):
        self.entries = entries
        self.rows: dict[str, ports.QuestionRow] = {}
        self.closed: dict[str, dict] = {}
        self.alike: list[ports.SimilarRow] = []   # what `similar` answers (a test sets it)

    def add(self, *, question_id, pertanyaan, normalised, kelompok, asker, status, top_entry_id, top_score):
        self.rows[question_id] = ports.QuestionRow(question_id, pertanyaan, normalised, kelompok, status, None,
                                                   _now())

    def get(self, question_id, *, lock=False):
        return self.rows.get(question_id)

    def similar(self, normalised, *, exclude=None):
        return [r for r in self.alike if r.id != exclude]

    def open_page(self, groups, limit, after):
        rows = sorted((q for q in self.rows.values()
                       if q.status == "open" and (groups is None or q.kelompok in groups)),
                      key=lambda q: (q.asked_at, q.id))
        if after is not None:
            rows = [q for q in rows if (q.asked_at, q.id) > (after[0], str(after[1]))]
        return rows[:limit]

    def draft_for(self, question_id):
        return next((v.entry_id for v in self.entries.versions.values() if v.question_id == question_id), None)

    def close(self, question_id, *, status, entry_id, handled_by, duplicate_of=None):
        self.rows[question_id] = dataclasses.replace(self.rows[question_id], status=status, entry_id=entry_id)
        self.closed[question_id] = {"status": status, "entry_id": entry_id, "handled_by": handled_by,
                                    "duplicate_of": duplicate_of}


class FakeSearch(ports.Search):
    def __init__(self):
        self.found: list[ports.SearchRow] = []
        self.asked: list[str] = []

    def corrections(self, words):
        return {}

    def candidates(self, terms, surface, extra=""):
        self.asked.append(terms)
        return list(self.found)


class FakeSnowmanUnitOfWork(FakeUnitOfWork, ports.SnowmanUnitOfWork):
    def __init__(self):
        super().__init__()
        self.entries = FakeEntries()
        self.questions = FakeQuestions(self.entries)
        self.search = FakeSearch()
