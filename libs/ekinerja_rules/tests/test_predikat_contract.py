"""The input side of `ekinerja skp predikat` (parse_predikat_input): every problem listed at once, in document order,
one field each, messages in Bahasa Indonesia; a valid document parsed to typed values."""
import pytest

from ekinerja_rules.permenpanrb_6_2022.contract import INPUT_FIELD, InvalidPredikatInput, parse_predikat_input
from ekinerja_rules.permenpanrb_6_2022.rules import RULESET_ID, Jenjang, PredikatOrganisasi, Rating

pytestmark = pytest.mark.unit


def pegawai(ident="199001012020121001", **more):
    return {"id": ident, "hasil_kerja": "di_atas", "perilaku": "sesuai", **more}


def problems(doc) -> list[tuple[str, str]]:
    with pytest.raises(InvalidPredikatInput) as caught:
        parse_predikat_input(doc)
    return [(e.field, e.message) for e in caught.value.errors]


def fields(doc) -> list[str]:
    return [field for field, _ in problems(doc)]


def test_a_valid_document_is_parsed_with_the_defaults():
    parsed = parse_predikat_input({"ruleset": RULESET_ID, "predikat_organisasi": "baik",
                                   "pegawai": [pegawai(), pegawai("b", jenjang="ahli_muda", bulan=6)]})
    assert parsed.predikat_organisasi is PredikatOrganisasi.BAIK
    first, second = parsed.pegawai
    assert (first.hasil_kerja, first.perilaku, first.jenjang, first.bulan) == (
        Rating.DI_ATAS, Rating.SESUAI, None, 12)
    assert (second.id, second.jenjang, second.bulan) == ("b", Jenjang.AHLI_MUDA, 6)


def test_not_an_object_is_one_error_on_the_input():
    assert problems([1]) == [(INPUT_FIELD, "harus berupa objek JSON, bukan larik")]


@pytest.mark.parametrize("ruleset, words", [
    (None, "wajib diisi"),
    ("pp46-2011", "ekinerja skp score"),
    (622, "harus berupa teks"),
    ("permenpanrb-7", "nilai tidak dikenal"),
])
def test_each_wrong_ruleset_is_named(ruleset, words):
    doc = {"pegawai": [pegawai()], **({} if ruleset is None else {"ruleset": ruleset})}
    [(field, message)] = problems(doc)
    assert field == "ruleset" and words in message


@pytest.mark.parametrize("items, words", [
    (None, "wajib diisi"),
    ({"id": "a"}, "harus berupa larik JSON, bukan objek"),
    ([], "paling sedikit satu pegawai"),
])
def test_a_missing_or_empty_pegawai_array_is_named(items, words):
    doc = {"ruleset": RULESET_ID, **({} if items is None else {"pegawai": items})}
    [(field, message)] = problems(doc)
    assert field == "pegawai" and words in message


def test_every_problem_at_once_in_document_order():
    doc = {"ruleset": "x", "jenjan": 1, "predikat_organisasi": "hebat",
           "pegawai": [pegawai("a"), 7, pegawai("a"), pegawai("c", bulan=13, perilaku="bagus"), pegawai(" ")]}
    assert fields(doc) == ["jenjan", "ruleset", "predikat_organisasi", "pegawai[1]", "pegawai[2].id",
                           "pegawai[3].perilaku", "pegawai[3].bulan", "pegawai[4].id"]


def test_a_repeated_id_names_the_first_without_echoing_it():
    [(field, message)] = problems({"ruleset": RULESET_ID, "pegawai": [pegawai(), pegawai()]})
    assert field == "pegawai[1].id"
    assert message == "id ganda: sama dengan pegawai[0].id"
    assert "199001012020121001" not in message
