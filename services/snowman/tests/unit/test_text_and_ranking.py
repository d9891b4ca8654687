"""Normalisation of informal questions and the ranking formula (no database)."""
from decimal import Decimal

import pytest

from snowman.domain import ranking
from snowman.domain.text import SynonymTable, normalise

pytestmark = pytest.mark.unit

SYNONYMS = SynonymTable({"bagaimana": ["gmn", "gimana"], "menghitung": ["ngitung", "hitung"],
                         "terlambat": ["telat"], "tunjangan kinerja": ["tukin", "tpp"], "skp": ["e-skp"]})


def test_chat_abbreviations_become_search_words_and_function_words_go():
    norm = normalise("Gmn cara ngitung nilai SKP kalo telat?", SYNONYMS)
    assert norm.terms == ("menghitung", "nilai", "skp", "kalo", "terlambat")
    assert norm.surface == "bagaimana cara menghitung nilai skp kalo terlambat"


def test_phrases_expand_to_their_group():
    norm = normalise("berapa tukin saya", SYNONYMS)
    assert norm.terms == ("tunjangan", "kinerja")
    assert set(norm.extra.split()) == {"tukin", "tpp"}


def test_typos_are_fixed_by_the_injected_lookup_and_expanded_again():
    seen = []

    def correct(words):
        seen.extend(words)
        return {"penilaain": "penilaian", "tukn": "tukin"}

    norm = normalise("penilaain tukn 2015", SYNONYMS, correct)
    assert "2015" not in seen  # numbers are never "corrected"
    assert norm.terms[:3] == ("penilaian", "tunjangan", "kinerja")
    assert ("penilaain", "penilaian") in norm.corrections


def test_score_is_an_exact_decimal_combining_lexical_trigram_group_and_votes():
    c = ranking.Candidate("a", Decimal("0.8"), Decimal("0.5"), ("pendidik",))
    assert ranking.score(c, None) == Decimal("0.7100")
    assert ranking.score(c, "pendidik") == Decimal("0.8165")
    assert ranking.score(c, "kesehatan") == Decimal("0.5680")
    voted = ranking.Candidate("a", Decimal("0.8"), Decimal("0.5"), ("pendidik",), helpful=4)
    assert ranking.score(voted, None) == Decimal("0.7810")


def test_votes_and_job_group_reorder_but_ties_stay_stable():
    a = ranking.Candidate("a", Decimal("0.6"), Decimal("0.4"), ("umum",))
    b = ranking.Candidate("b", Decimal("0.6"), Decimal("0.4"), ("kesehatan",))
    assert [r.entry_id for r in ranking.rank([b, a], None, 3)] == ["a", "b"]
    assert [r.entry_id for r in ranking.rank([a, b], "kesehatan", 3)] == ["b", "a"]
    b_liked = ranking.Candidate("b", Decimal("0.6"), Decimal("0.4"), ("umum",), helpful=3, not_helpful=0)
    assert [r.entry_id for r in ranking.rank([a, b_liked], None, 3)] == ["b", "a"]


def test_answered_only_at_or_above_the_threshold():
    assert not ranking.answered([])
    assert ranking.answered([ranking.Ranked("a", ranking.ANSWER_THRESHOLD)])
    assert not ranking.answered([ranking.Ranked("a", ranking.ANSWER_THRESHOLD - Decimal("0.0001"))])
