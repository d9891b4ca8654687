"""Scoring under pp46-2011: the shared examples A-E exactly, and hand-computed cases for each rule of DOMAIN.md §0."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest

from ekinerja_rules.rulesets import PP46_2011, UnknownRuleset, get_ruleset
from ekinerja_rules.score_contract import format_score_output, loads_score_json, parse_score_input
from ekinerja_rules.scoring import (
    InvalidScoreInput,
    Kegiatan,
    Perilaku,
    Realisasi,
    SkpDocument,
    Target,
    display_value,
    score_year,
    sebutan_for,
)

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_FILE = REPO_ROOT / "docs" / "examples" / "skp-score-examples.json"  # the repository's copy of the shared file
D = Decimal


def close(actual: Decimal, expected) -> bool:
    """Equal up to the 50-digit working precision; ``expected`` is exact (a Fraction, int or decimal string)."""
    return abs(F(actual) - F(expected)) < F(1, 10**40)


def load_examples() -> dict:
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))


def kegiatan(ro="12", rk="90", rw="12", rb=None, *, to="12", tw="12", tb=None, tk=None, nama="k") -> Kegiatan:
    dec = lambda v: None if v is None else D(v)  # noqa: E731
    return Kegiatan(
        nama=nama,
        target=Target(kuantitas=D(to), waktu=D(tw), kualitas=dec(tk), biaya=dec(tb)),
        realisasi=Realisasi(kuantitas=D(ro), kualitas=D(rk), waktu=D(rw), biaya=dec(rb)),
    )


def one(k: Kegiatan, **document):
    return score_year([SkpDocument(kegiatan=[k], **document)])


def perilaku(*values: str) -> Perilaku:
    return Perilaku(*(D(v) for v in values))


# --- the shared examples ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(load_examples()))
def test_example_gives_exactly_the_expected_output(name):
    example = load_examples()[name]
    documents, assessed = parse_score_input(loads_score_json(json.dumps(example["input"])))
    output = format_score_output(score_year(documents, assessed))
    assert output == example["expected"]
    assert json.dumps(output) == json.dumps(example["expected"])  # same fields in the same order


def test_examples_file_holds_a_to_e():
    assert sorted(load_examples()) == ["A", "B", "C", "D", "E"]


def test_example_d_exact_values_before_rounding():
    example = load_examples()["D"]
    result = score_year(*parse_score_input(loads_score_json(json.dumps(example["input"]))))
    # (266/3 + 976/12 + 938/9) / 3 + 2 + 3 = 2468/27 + 5
    nilai_skp = F(2468, 27) + 5
    assert close(result.nilai_capaian_skp, nilai_skp)
    assert close(result.perilaku.nilai, F(481, 6))
    assert close(result.nilai_prestasi_kerja, nilai_skp * F(6, 10) + F(481, 6) * F(4, 10))


# --- waktu and biaya: the 1.76 formula -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rw", "shown", "penalised"),
    [
        ("12", "76.00", False),
        ("10", "92.67", False),
        ("9.12", "100.00", False),  # exactly 24 %: the <= branch
        ("9.11", "75.92", True),  # 24.08 %: the jump
        ("9", "75.00", True),
        ("8", "66.67", True),
        ("6", "50.00", True),
        ("0", "0.00", True),
        ("13", "67.67", False),
        ("24", "-24.00", False),  # late twice over: below 0, not clamped
    ],
)
def test_waktu_edge_table(rw, shown, penalised):
    waktu = one(kegiatan(rw=rw)).documents[0].kegiatan[0].waktu
    assert str(display_value(waktu.nilai)) == shown
    assert waktu.penalised is penalised


def test_exactly_24_percent_scores_exactly_100_where_floats_take_the_wrong_branch():
    assert 100 - (9.12 / 12 * 100) > 24  # what binary floating point would do (DOMAIN.md §2.1)
    waktu = one(kegiatan(rw="9.12")).documents[0].kegiatan[0].waktu
    assert waktu.efisiensi == 24
    assert waktu.nilai == 100
    assert not waktu.penalised


def test_late_delivery_scores_below_76_and_may_go_negative():
    late = one(kegiatan(rw="14")).documents[0].kegiatan[0]
    assert display_value(late.waktu.nilai) == D("59.33")
    assert display_value(late.waktu.efisiensi) == D("-16.67")
    very_late = one(kegiatan(rw="36")).documents[0].kegiatan[0]
    assert very_late.waktu.nilai == -124  # (21.12 - 36) / 12 * 100
    assert close(very_late.nilai_capaian, F(100 + 90 - 124, 3))


def test_biaya_uses_the_same_formula_and_adds_a_fourth_aspect():
    k = one(kegiatan(tb="50000000", rb="45000000")).documents[0].kegiatan[0]
    assert k.biaya.nilai == 86 and k.biaya.efisiensi == 10 and not k.biaya.penalised
    assert k.jumlah_aspek == 4
    assert k.perhitungan == 100 + 90 + 76 + 86
    assert k.nilai_capaian == D(352) / 4
    penalised = one(kegiatan(tb="100", rb="70")).documents[0].kegiatan[0].biaya
    assert penalised.nilai == 70 and penalised.penalised


@pytest.mark.parametrize("tb", [None, "0"])
def test_biaya_absent_or_zero_leaves_three_aspects(tb):
    k = one(kegiatan(tb=tb, rb="1000")).documents[0].kegiatan[0]
    assert k.biaya is None
    assert k.jumlah_aspek == 3
    assert k.perhitungan == 100 + 90 + 76
    assert format_score_output(one(kegiatan(tb=tb)))["skp"][0]["kegiatan"][0]["biaya"] is None


def test_kuantitas_and_kualitas_are_plain_ratios_and_may_exceed_100():
    k = one(kegiatan(ro="5", to="4", rk="80", tk="80")).documents[0].kegiatan[0]
    assert k.kuantitas == 125
    assert k.kualitas == 100
    assert one(kegiatan(rk="90")).documents[0].kegiatan[0].kualitas == 90  # target kualitas defaults to 100


# --- kegiatan without output, documents, bonus points ----------------------------------------------------------


def test_kegiatan_with_no_output_scores_zero_everywhere_and_still_counts():
    document = SkpDocument(kegiatan=[kegiatan(ro="0", tb="100", rb="90"), kegiatan()])
    result = score_year([document])
    empty = result.documents[0].kegiatan[0]
    assert (empty.kuantitas, empty.kualitas, empty.waktu.nilai, empty.biaya.nilai) == (0, 0, 0, 0)
    assert empty.waktu.efisiensi is None and empty.biaya.efisiensi is None
    assert empty.jumlah_aspek == 4 and empty.perhitungan == 0 and empty.nilai_capaian == 0
    assert close(result.documents[0].rata_rata_kegiatan, F(266, 3) / 2)
    shown = format_score_output(result)["skp"][0]["kegiatan"][0]
    assert shown["biaya"] == "0.00" and shown["efisiensi_biaya"] is None and shown["efisiensi_waktu"] is None


def test_no_output_without_biaya_target_shows_biaya_null():
    shown = format_score_output(one(kegiatan(ro="0")))["skp"][0]["kegiatan"][0]
    assert shown["waktu"] == "0.00" and shown["biaya"] is None and shown["jumlah_aspek"] == 3


def test_two_documents_in_a_year_give_the_simple_mean():
    first = SkpDocument(kegiatan=[kegiatan()])  # 88.666...
    second = SkpDocument(kegiatan=[kegiatan(rk="80")], tugas_tambahan=4, kreativitas="organisasi")  # 85.333 + 8
    result = score_year([first, second])
    assert close(result.documents[0].nilai_capaian_skp, F(266, 3))
    assert close(result.documents[1].nilai_capaian_skp, F(256, 3) + 8)
    assert close(result.nilai_capaian_skp, (F(266, 3) + F(256, 3) + 8) / 2)
    assert display_value(result.nilai_capaian_skp) == D("91.00")
    assert result.sebutan_capaian_skp == "Sangat Baik"


@pytest.mark.parametrize(
    ("level", "points"), [(None, 0), ("unit_kerja", 3), ("organisasi", 6), ("negara", 12)]
)
def test_kreativitas_levels(level, points):
    document = one(kegiatan(), kreativitas=level).documents[0]
    assert document.nilai_kreativitas == points
    assert close(document.nilai_capaian_skp, F(266, 3) + points)


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (20, 3)])
def test_tugas_tambahan_bands(count, points):
    document = one(kegiatan(), tugas_tambahan=count).documents[0]
    assert document.nilai_tugas_tambahan == points
    assert close(document.nilai_capaian_skp, F(266, 3) + points)


def test_nilai_capaian_skp_may_exceed_100():
    result = one(kegiatan(ro="24", rk="100", rw="9.12"), tugas_tambahan=7, kreativitas="negara")
    assert close(result.nilai_capaian_skp, F(400, 3) + 15)


def test_angka_kredit_is_echoed_and_does_not_change_the_score():
    plain = kegiatan()
    credited = dataclasses.replace(plain, target=dataclasses.replace(plain.target, angka_kredit=D("0.500")))
    assert one(credited).nilai_capaian_skp == one(plain).nilai_capaian_skp
    assert format_score_output(one(credited))["skp"][0]["kegiatan"][0]["angka_kredit"] == "0.500"
    assert "angka_kredit" not in format_score_output(one(plain))["skp"][0]["kegiatan"][0]


# --- perilaku and prestasi -------------------------------------------------------------------------------------


def test_perilaku_mean_over_five_or_six_aspects():
    five = score_year([SkpDocument([kegiatan()])], perilaku("75", "78", "76", "70", "80"))
    assert five.perilaku.nilai == D("75.8") and five.perilaku.jumlah_aspek == 5
    six = score_year([SkpDocument([kegiatan()])], perilaku("80", "82", "78", "85", "80", "76"))
    assert close(six.perilaku.nilai, F(481, 6)) and six.perilaku.jumlah_aspek == 6


def test_without_perilaku_there_is_no_prestasi():
    result = one(kegiatan())
    assert result.perilaku is None and result.nilai_prestasi_kerja is None and result.sebutan is None
    output = format_score_output(result)
    assert [output[f] for f in ("nilai_perilaku", "sebutan_perilaku", "nilai_prestasi_kerja", "sebutan")] == [None] * 4


def test_prestasi_is_weighted_from_unrounded_values():
    # nilai SKP 80.005 (shown 80.01), perilaku 80.0049 (shown 80.00): exactly 80.00496 -> 80.00,
    # whereas weighting the shown values would give 80.006 -> 80.01.
    result = score_year([SkpDocument([kegiatan(ro="114.015", to="100", rk="50")])], perilaku(*["80.0049"] * 5))
    assert result.nilai_capaian_skp == D("80.005")
    assert result.nilai_prestasi_kerja == D("80.00496")
    assert format_score_output(result)["nilai_prestasi_kerja"] == "80.00"


# --- sebutan ---------------------------------------------------------------------------------------------------

SEBUTAN_CASES = [
    ("-5", "Buruk"),
    ("0", "Buruk"),
    ("50", "Buruk"),
    ("50.004", "Buruk"),  # shows as 50.00
    ("50.005", "Kurang"),  # shows as 50.01
    ("50.01", "Kurang"),
    ("60", "Kurang"),
    ("60.01", "Cukup"),
    ("75", "Cukup"),
    ("75.01", "Baik"),
    ("90.99", "Baik"),
    ("90.994", "Baik"),
    ("90.995", "Sangat Baik"),  # shows as 91.00
    ("91", "Sangat Baik"),
    ("130", "Sangat Baik"),
]


@pytest.mark.parametrize(("value", "sebutan"), SEBUTAN_CASES)
def test_sebutan_bands_apply_to_the_displayed_value(value, sebutan):
    assert sebutan_for(D(value)) == sebutan


@pytest.mark.parametrize(("value", "sebutan"), [c for c in SEBUTAN_CASES if 50 <= D(c[0]) <= 100])
def test_sebutan_of_scored_values(value, sebutan):
    # One kegiatan, on time, kualitas 50: nilai = (RO + 50 + 76) / 3 with TO = 100, so RO = 3 * value - 126.
    # Perilaku with every aspect at the same value, so prestasi kerja is that value too.
    result = score_year([SkpDocument([kegiatan(ro=str(3 * D(value) - 126), to="100", rk="50")])],
                        perilaku(*[value] * 5))
    assert result.nilai_capaian_skp == D(value)
    assert result.nilai_prestasi_kerja == D(value)
    assert (result.sebutan_capaian_skp, result.perilaku.sebutan, result.sebutan) == (sebutan,) * 3


def test_display_rounds_half_up_and_never_shows_negative_zero():
    assert display_value(D("90.995")) == D("91.00")
    assert display_value(D("0.005")) == D("0.01")
    assert display_value(D("-0.005")) == D("-0.01")  # ties away from zero, like MySQL ROUND and PHP number_format
    assert str(display_value(D("-0.001"))) == "0.00"


# --- rulesets and validation -----------------------------------------------------------------------------------


def test_ruleset_registry_and_immutability():
    assert get_ruleset("pp46-2011") is PP46_2011
    with pytest.raises(UnknownRuleset):
        get_ruleset("permenpanrb-6-2022")
    with pytest.raises(dataclasses.FrozenInstanceError):
        PP46_2011.efficiency_threshold = D(25)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("documents", "field"),
    [
        ([], "skp"),
        ([SkpDocument(kegiatan=[])], "skp[0].kegiatan"),
        ([SkpDocument([kegiatan(), kegiatan(to="0")])], "skp[0].kegiatan[1].target.kuantitas"),
        ([SkpDocument([kegiatan(tw="-1")])], "skp[0].kegiatan[0].target.waktu"),
        ([SkpDocument([kegiatan(tk="0")])], "skp[0].kegiatan[0].target.kualitas"),
        ([SkpDocument([kegiatan(rk="100.01")])], "skp[0].kegiatan[0].realisasi.kualitas"),
        ([SkpDocument([kegiatan(ro="-1")])], "skp[0].kegiatan[0].realisasi.kuantitas"),
        ([SkpDocument([kegiatan(tb="10")])], "skp[0].kegiatan[0].realisasi.biaya"),
        ([SkpDocument([kegiatan()]), SkpDocument([kegiatan()], tugas_tambahan=-1)], "skp[1].tugas_tambahan"),
        ([SkpDocument([kegiatan()], kreativitas="dunia")], "skp[0].kreativitas"),
    ],
)
def test_invalid_input_names_the_field(documents, field):
    with pytest.raises(InvalidScoreInput) as raised:
        score_year(documents)
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("bad", [9.12, True, "12", None])
def test_domain_accepts_only_exact_numbers(bad):
    k = kegiatan()
    k = dataclasses.replace(k, realisasi=dataclasses.replace(k.realisasi, waktu=bad))
    with pytest.raises(InvalidScoreInput) as raised:
        score_year([SkpDocument([k])])
    assert raised.value.field == "skp[0].kegiatan[0].realisasi.waktu"


def test_perilaku_aspect_out_of_range_names_the_aspect():
    with pytest.raises(InvalidScoreInput) as raised:
        score_year([SkpDocument([kegiatan()])], perilaku("80", "80", "80", "80", "80", "100.5"))
    assert raised.value.field == "perilaku.kepemimpinan"
