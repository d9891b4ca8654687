"""The asker's ruleset first: ranking arithmetic, a question naming a regulation, the Ask field and the setting."""
from decimal import Decimal

import pytest

from ekinerja_platform.domain_errors import InvalidArgument
from snowman.application import config
from snowman.application.handlers import _ruleset
from snowman.domain import ranking, rulesets

pytestmark = pytest.mark.unit

PP46, PERMEN = "pp46-2011", "permenpanrb-6-2022"


def cand(entry_id, ruleset, lexical="0.8", trigram="0.5"):
    return ranking.Candidate(entry_id=entry_id, lexical=Decimal(lexical), trigram=Decimal(trigram),
                             kelompok=("umum",), ruleset=ruleset)


def test_the_other_rulesets_entry_is_lowered_own_and_general_are_not():
    assert ranking.ruleset_factor(PP46, PERMEN) == Decimal("0.80")
    assert ranking.ruleset_factor(PERMEN, PP46) == Decimal("0.80")
    assert ranking.ruleset_factor(PERMEN, PERMEN) == 1
    assert ranking.ruleset_factor(ranking.GENERAL, PP46) == 1
    assert ranking.ruleset_factor(PP46, None) == 1  # no preference: the former ranking


def test_the_same_two_entries_swap_places_with_the_askers_ruleset():
    # lexically the PP 46 entry is a little closer; the asker's ruleset decides
    pp46 = cand("sebutan-nilai", PP46, lexical="0.80")
    permen = cand("pmk-predikat-baik", PERMEN, lexical="0.75")
    under_permen = ranking.rank([pp46, permen], "umum", 3, PERMEN)
    under_pp46 = ranking.rank([pp46, permen], "umum", 3, PP46)
    assert [r.entry_id for r in under_permen] == ["pmk-predikat-baik", "sebutan-nilai"]
    assert [r.entry_id for r in under_pp46] == ["sebutan-nilai", "pmk-predikat-baik"]
    # (0.7*0.8 + 0.3*0.5) * 1.15 * 0.80 = 0.6532; nothing is hidden, only lowered
    assert under_permen[1].score == Decimal("0.6532")


def test_general_entries_compete_on_equal_terms_under_both_rulesets():
    general = cand("nip-struktur", ranking.GENERAL, lexical="0.70")
    own = cand("pmk-x", PERMEN, lexical="0.60")
    other = cand("pp46-x", PP46, lexical="0.80")
    order = [r.entry_id for r in ranking.rank([general, own, other], None, 3, PERMEN)]
    assert order == ["nip-struktur", "pmk-x", "pp46-x"]


@pytest.mark.parametrize("question, named", [
    ("nilai minimal sebutan baik menurut pp 46 brp", PP46),
    ("dulu di PP No. 46 thn 2011 gimana", PP46),
    ("aturan 46/2011 soal rumus waktu", PP46),
    ("dp3 itu apa", PP46),
    ("predikat baik menurut permenpanrb 6 2022?", PERMEN),
    ("predikat baik menurut permenpan rb no 6 gmn", PERMEN),
    ("kurva distribusi di 6/2022", PERMEN),
    ("bobot pp30 th 2019", PERMEN),
    ("beda pp 46 dan permenpanrb 6/2022", None),  # both named: a comparison, the asker's ruleset stays
    ("berapa nilai minimal untuk predikat baik", None),
])
def test_a_question_naming_a_regulation_is_ranked_under_it(question, named):
    assert rulesets.named_in(question) == named
    assert rulesets.preferred(question, PP46) == (named or PP46)


def test_ask_field_accepts_the_two_rulesets_and_falls_back_to_the_setting():
    assert _ruleset("", PERMEN) == PERMEN
    assert _ruleset("  ", PP46) == PP46
    assert _ruleset("pp46-2011", PERMEN) == PP46
    for bad in ("semua", "pp46", "PP46-2011", "permenpanrb-8-2021"):
        with pytest.raises(InvalidArgument) as err:
            _ruleset(bad, PERMEN)
        assert err.value.field == "ruleset"


def test_default_ruleset_setting(monkeypatch):
    config.default_ruleset.cache_clear()
    monkeypatch.delenv(config.DEFAULT_RULESET_ENV, raising=False)
    assert config.default_ruleset() == PERMEN
    config.default_ruleset.cache_clear()
    monkeypatch.setenv(config.DEFAULT_RULESET_ENV, PP46)
    assert config.default_ruleset() == PP46
    config.default_ruleset.cache_clear()
    monkeypatch.setenv(config.DEFAULT_RULESET_ENV, "semua")
    with pytest.raises(SystemExit):
        config.default_ruleset()
    config.default_ruleset.cache_clear()


def test_the_knowledge_base_covers_the_rule_in_force():
    from snowman.knowledge import load_entries
    entries = load_entries()
    permen = [e for e in entries if e.ruleset == PERMEN]
    assert len(permen) >= 17 + 40  # 17 before issue 22, at least 40 added
    text = " ".join((e.judul + " " + e.jawaban).lower() for e in permen)
    for topic in ("matriks", "kurva", "intervensi", "berakhlak", "evaluasi periodik", "umpan balik berkelanjutan",
                  "angka kredit", "pppk", "pp 46/2011", "iki", "ekspektasi khusus pimpinan", "dokumen evaluasi"):
        assert topic in text, topic
    assert all(e.rujukan for e in entries) and {e.ruleset for e in entries} == {PP46, PERMEN, ranking.GENERAL}


def test_an_eval_question_labelled_with_a_pp46_entry_is_asked_under_pp46():
    """Such a label is only right for an asker whose agency appraises under PP 46/2011."""
    from snowman.knowledge import load_entries, load_eval_questions
    pp46 = {e.id for e in load_entries() if e.ruleset == PP46}
    wrong = [q.pertanyaan for q in load_eval_questions()
             if q.expected in pp46 and q.ruleset != PP46 and rulesets.named_in(q.pertanyaan) != PP46]
    assert wrong == []
