"""How candidate entries are ordered, and when a question counts as answered.

The database supplies, per candidate, two measures in [0, 1]: `lexical` (IDF-weighted share of the question's
search words found in the entry, full credit in judul/pertanyaan/tags, partial in jawaban; PostgreSQL full-text
search with the `indonesian` configuration) and `trigram` (best pg_trgm similarity between the question and one of
the entry's phrasings). Here they are combined, then raised for entries of the asker's job group, lowered for
entries of the other ruleset than the asker's (still findable: a question about that ruleset still reaches them),
and moved by votes. Scores are exact decimals with four places.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PLACES = Decimal("0.0001")
LEXICAL_WEIGHT = Decimal("0.70")
TRIGRAM_WEIGHT = Decimal("0.30")
GROUP_MATCH = Decimal("1.15")      # the entry applies to the asker's job group
GROUP_MISMATCH = Decimal("0.80")   # it does not (it stays findable, below the asker's own group)
VOTE_WEIGHT = Decimal("0.20")      # at most ±20 %, reached only with many votes
VOTE_PRIOR = 4                     # pseudo-votes that keep one or two votes from swinging the order much
RULESET_OTHER = Decimal("0.80")    # the entry belongs to the other ruleset than the asker's
ANSWER_THRESHOLD = Decimal("0.3000")
GENERAL = "semua"                  # an entry that holds under every ruleset


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    lexical: Decimal
    trigram: Decimal
    kelompok: tuple[str, ...]
    helpful: int = 0
    not_helpful: int = 0
    ruleset: str = GENERAL


@dataclass(frozen=True)
class Ranked:
    entry_id: str
    score: Decimal


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def vote_factor(helpful: int, not_helpful: int) -> Decimal:
    total = helpful + not_helpful
    return Decimal(1) + VOTE_WEIGHT * Decimal(helpful - not_helpful) / Decimal(total + VOTE_PRIOR)


def group_factor(entry_kelompok: tuple[str, ...], asker_kelompok: str | None) -> Decimal:
    if not asker_kelompok:
        return Decimal(1)
    return GROUP_MATCH if asker_kelompok in entry_kelompok else GROUP_MISMATCH


def ruleset_factor(entry_ruleset: str, asker_ruleset: str | None) -> Decimal:
    """The asker's agency appraises under one ruleset: its entries and general ones come before the other's."""
    if not asker_ruleset or entry_ruleset in (asker_ruleset, GENERAL):
        return Decimal(1)
    return RULESET_OTHER


def score(candidate: Candidate, asker_kelompok: str | None, asker_ruleset: str | None = None) -> Decimal:
    base = LEXICAL_WEIGHT * _dec(candidate.lexical) + TRIGRAM_WEIGHT * _dec(candidate.trigram)
    value = (base * group_factor(candidate.kelompok, asker_kelompok)
             * ruleset_factor(candidate.ruleset, asker_ruleset)
             * vote_factor(candidate.helpful, candidate.not_helpful))
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def rank(candidates, asker_kelompok: str | None, limit: int, asker_ruleset: str | None = None) -> list[Ranked]:
    """Best first; ties broken by entry id so the order is stable."""
    ranked = [Ranked(c.entry_id, score(c, asker_kelompok, asker_ruleset)) for c in candidates]
    ranked.sort(key=lambda r: (-r.score, r.entry_id))
    return ranked[:limit]


def answered(ranked: list[Ranked], threshold: Decimal = ANSWER_THRESHOLD) -> bool:
    return bool(ranked) and ranked[0].score >= threshold
