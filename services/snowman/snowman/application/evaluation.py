"""Search quality over the labelled question set: recall@1, recall@3 and mean reciprocal rank.

Runs the very search Ask uses (normalisation, full-text and trigram candidates, ranking with the asker's job group
and ruleset: the question's own, else snowman's default) read-only, on the `Search` port (`SqlSearch(session)`), so
it can run against any snowman database: a throwaway test database or a live one.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.text import SynonymTable
from .config import default_ruleset
from .handlers import search
from .ports import Search

DEPTH = 10


@dataclass(frozen=True)
class EvalResult:
    questions: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    misses: list  # (question, expected, found top 3) where the expected entry is not in the top 3


def evaluate(index: Search, questions, synonyms: SynonymTable) -> EvalResult:
    hits1 = hits3 = 0
    reciprocal = 0.0
    misses = []
    for q in questions:
        _, ranked, _ = search(index, q.pertanyaan, q.kelompok, synonyms, DEPTH, q.ruleset or default_ruleset())
        ids = [r.entry_id for r in ranked]
        rank = ids.index(q.expected) + 1 if q.expected in ids else None
        if rank == 1:
            hits1 += 1
        if rank is not None and rank <= 3:
            hits3 += 1
        else:
            misses.append((q.pertanyaan, q.expected, ids[:3]))
        if rank is not None:
            reciprocal += 1.0 / rank
    n = max(len(questions), 1)
    return EvalResult(len(questions), hits1 / n, hits3 / n, reciprocal / n, misses)
