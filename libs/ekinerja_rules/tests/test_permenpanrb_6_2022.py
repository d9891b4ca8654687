"""The PermenPANRB 6/2022 domain (shared/PERMENPANRB_6_2022.md §3–§5): every matrix cell, every curve rule at its
floor/ceil boundary, angka kredit for every jenjang and predikat. Expected values are written out, not recomputed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ekinerja_rules.permenpanrb_6_2022 import (
    Jenjang,
    Predikat,
    PredikatOrganisasi,
    Rating,
    angka_kredit,
    check_distribution,
    predikat_for,
)

pytestmark = pytest.mark.unit

SB, B, BP, K, SK = "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"


# --- §3 the matrix ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hasil_kerja, perilaku, predikat, code",
    [
        ("di_atas", "di_atas", SB, 1),
        ("di_atas", "sesuai", B, 2),
        ("di_atas", "di_bawah", K, 4),  # not butuh_perbaikan: good work, perilaku di bawah is "kurang/misconduct"
        ("sesuai", "di_atas", B, 2),
        ("sesuai", "sesuai", B, 2),
        ("sesuai", "di_bawah", K, 4),
        ("di_bawah", "di_atas", BP, 3),
        ("di_bawah", "sesuai", BP, 3),
        ("di_bawah", "di_bawah", SK, 5),
    ],
)
def test_every_matrix_cell(hasil_kerja, perilaku, predikat, code):
    result = predikat_for(Rating(hasil_kerja), Rating(perilaku))
    assert result is Predikat(predikat)
    assert result.code == code


def test_rating_codes_are_siasn_codes():
    assert [r.code for r in (Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH)] == [1, 2, 3]


# --- §4 the curve -----------------------------------------------------------------------------------------------


def _spread(counts: dict[str, int]) -> list[Predikat]:
    return [Predikat(p) for p, n in counts.items() for _ in range(n)]


CURVE_CASES = [
    # istimewa: SB <= floor(70% N); N=7 -> 4, N=10 -> 7
    ("istimewa", {SB: 4, B: 3}, []),
    ("istimewa", {SB: 5, B: 2}, ["sangat_baik_maks"]),
    ("istimewa", {SB: 7, B: 3}, []),
    ("istimewa", {SB: 8, B: 2}, ["sangat_baik_maks"]),
    # baik: B <= floor(70% N); BP + K >= 1
    ("baik", {B: 4, BP: 1, SB: 2}, []),
    ("baik", {B: 5, BP: 1, SB: 1}, ["baik_maks"]),
    ("baik", {B: 4, SB: 3}, ["butuh_perbaikan_kurang_ada"]),
    ("baik", {B: 4, K: 1, SB: 2}, []),
    ("baik", {B: 7, BP: 1, SB: 2}, []),
    ("baik", {B: 7, SB: 3}, ["butuh_perbaikan_kurang_ada"]),
    ("baik", {B: 7}, ["baik_maks", "butuh_perbaikan_kurang_ada"]),
    # butuh_perbaikan: BP >= ceil(60% N) (N=7 -> 5); SB <= floor(10% N) (N=7 -> 0, N=10 -> 1)
    ("butuh_perbaikan", {BP: 5, B: 2}, []),
    ("butuh_perbaikan", {BP: 4, B: 3}, ["butuh_perbaikan_min"]),
    ("butuh_perbaikan", {BP: 5, SB: 1, B: 1}, ["sangat_baik_maks"]),
    ("butuh_perbaikan", {BP: 6, SB: 1, B: 3}, []),
    ("butuh_perbaikan", {BP: 6, SB: 2, B: 2}, ["sangat_baik_maks"]),
    ("butuh_perbaikan", {BP: 5, SB: 1, B: 4}, ["butuh_perbaikan_min"]),
    # kurang: K >= ceil(60% N) (N=7 -> 5, N=11 -> 7); BP >= ceil(10% N) (N=7 -> 1, N=11 -> 2); SB <= floor(10% N)
    ("kurang", {K: 5, BP: 1, B: 1}, []),
    ("kurang", {K: 4, BP: 1, B: 2}, ["kurang_min"]),
    ("kurang", {K: 5, B: 2}, ["butuh_perbaikan_min"]),
    ("kurang", {K: 7, BP: 2, B: 2}, []),
    ("kurang", {K: 7, BP: 1, B: 3}, ["butuh_perbaikan_min"]),
    ("kurang", {K: 6, BP: 2, B: 3}, ["kurang_min"]),
    ("kurang", {K: 6, BP: 1, SB: 1, B: 2}, []),
    ("kurang", {K: 6, BP: 1, SB: 2, B: 1}, ["sangat_baik_maks"]),
    ("kurang", {K: 4, SB: 1, B: 2}, ["kurang_min", "butuh_perbaikan_min", "sangat_baik_maks"]),
    # sangat_kurang: SK >= ceil(60% N); K + BP >= ceil(10% N); SB = 0
    ("sangat_kurang", {SK: 5, K: 1, B: 1}, []),
    ("sangat_kurang", {SK: 5, BP: 1, B: 1}, []),
    ("sangat_kurang", {SK: 4, K: 1, B: 2}, ["sangat_kurang_min"]),
    ("sangat_kurang", {SK: 5, B: 2}, ["kurang_butuh_perbaikan_min"]),
    ("sangat_kurang", {SK: 7, K: 1, BP: 1, B: 2}, []),
    ("sangat_kurang", {SK: 7, K: 1, B: 3}, ["kurang_butuh_perbaikan_min"]),
    ("sangat_kurang", {SK: 6, K: 2, B: 3}, ["sangat_kurang_min"]),
    ("sangat_kurang", {SK: 5, K: 1, SB: 1}, ["sangat_baik_nol"]),
]


@pytest.mark.parametrize("organisasi, counts, broken", CURVE_CASES)
def test_curve_rules_at_their_floor_and_ceil_boundaries(organisasi, counts, broken):
    result = check_distribution(PredikatOrganisasi(organisasi), _spread(counts))
    assert result.diperiksa is True
    assert [v.aturan for v in result.pelanggaran] == broken
    assert result.memenuhi is (not broken)
    assert result.total == sum(counts.values())
    assert {p.value: n for p, n in result.jumlah.items() if n} == {p: n for p, n in counts.items() if n}


def test_curve_counts_every_predikat_in_code_order_zero_included():
    result = check_distribution(PredikatOrganisasi.BAIK, _spread({B: 2}))
    assert list(result.jumlah) == [Predikat(p) for p in (SB, B, BP, K, SK)]
    assert list(result.jumlah.values()) == [0, 2, 0, 0, 0]


def test_curve_is_not_checked_below_five_employees():
    result = check_distribution(PredikatOrganisasi.ISTIMEWA, _spread({SB: 4}))
    assert (result.diperiksa, result.memenuhi, result.pelanggaran) == (False, None, ())


def test_curve_is_checked_from_five_employees():
    result = check_distribution(PredikatOrganisasi.ISTIMEWA, _spread({SB: 4, B: 1}))
    assert result.diperiksa is True
    assert [v.aturan for v in result.pelanggaran] == ["sangat_baik_maks"]  # floor(70% of 5) = 3


def test_violation_messages_are_indonesian_sentences_with_the_counts():
    maks = check_distribution(PredikatOrganisasi.ISTIMEWA, _spread({SB: 8, B: 2})).pelanggaran[0]
    assert maks.pesan == "Pegawai berpredikat sangat baik berjumlah 8 dari 10, melebihi batas 70% (paling banyak 7)."
    minimum = check_distribution(PredikatOrganisasi.BUTUH_PERBAIKAN, _spread({BP: 5, B: 5})).pelanggaran[0]
    assert minimum.pesan == (
        "Pegawai berpredikat butuh perbaikan berjumlah 5 dari 10, kurang dari 60% (paling sedikit 6)."
    )
    ada = check_distribution(PredikatOrganisasi.BAIK, _spread({B: 7, SB: 3})).pelanggaran[0]
    assert ada.pesan == (
        "Tidak ada pegawai berpredikat butuh perbaikan atau kurang dari 10 pegawai, padahal harus ada paling sedikit 1."
    )
    nol = check_distribution(PredikatOrganisasi.SANGAT_KURANG, _spread({SK: 5, K: 1, SB: 1})).pelanggaran[0]
    assert nol.pesan == "Pegawai berpredikat sangat baik berjumlah 1 dari 7, padahal tidak boleh ada."


# --- §5 angka kredit --------------------------------------------------------------------------------------------

# Twelve months, columns sangat_baik, baik, butuh_perbaikan, kurang, sangat_kurang (150/100/75/50/25 %).
ANGKA_KREDIT_YEAR = {
    "ahli_pertama": ("18.750", "12.500", "9.375", "6.250", "3.125"),
    "ahli_muda": ("37.500", "25.000", "18.750", "12.500", "6.250"),
    "ahli_madya": ("56.250", "37.500", "28.125", "18.750", "9.375"),
    "ahli_utama": ("75.000", "50.000", "37.500", "25.000", "12.500"),
    "pemula": ("5.625", "3.750", "2.813", "1.875", "0.938"),  # 2.8125 and 0.9375 half-up
    "terampil": ("7.500", "5.000", "3.750", "2.500", "1.250"),
    "mahir": ("18.750", "12.500", "9.375", "6.250", "3.125"),
    "penyelia": ("37.500", "25.000", "18.750", "12.500", "6.250"),
}


def test_every_jenjang_is_in_the_table():
    assert set(ANGKA_KREDIT_YEAR) == {j.value for j in Jenjang}


@pytest.mark.parametrize(
    "jenjang, predikat, expected",
    [(j, p, v) for j, row in ANGKA_KREDIT_YEAR.items() for p, v in zip((SB, B, BP, K, SK), row, strict=True)],
)
def test_angka_kredit_for_every_jenjang_and_predikat_over_a_year(jenjang, predikat, expected):
    value = angka_kredit(Jenjang(jenjang), Predikat(predikat), 12)
    assert isinstance(value, Decimal)
    assert format(value, "f") == expected


@pytest.mark.parametrize(
    "jenjang, predikat, bulan, expected",
    [
        ("pemula", B, 1, "0.313"),  # 0.3125: half-up, not half-even (0.312)
        ("ahli_pertama", B, 5, "5.208"),  # 5.2083…: /12 does not terminate, computed exactly
        ("ahli_muda", SB, 7, "21.875"),
        ("terampil", SK, 1, "0.104"),
        ("pemula", BP, 1, "0.234"),  # 0.234375
        ("pemula", SK, 5, "0.391"),  # 0.390625
        ("ahli_utama", B, 6, "25.000"),
    ],
)
def test_angka_kredit_for_part_of_a_year_is_exact_then_half_up_to_three_decimals(jenjang, predikat, bulan, expected):
    assert format(angka_kredit(Jenjang(jenjang), Predikat(predikat), bulan), "f") == expected


def test_angka_kredit_defaults_to_a_year():
    assert format(angka_kredit(Jenjang.AHLI_PERTAMA, Predikat.SANGAT_BAIK), "f") == "18.750"


@pytest.mark.parametrize("bulan", [0, 13, -1, True, 6.0, "12"])
def test_angka_kredit_rejects_a_month_count_outside_1_to_12(bulan):
    with pytest.raises(ValueError):
        angka_kredit(Jenjang.AHLI_MUDA, Predikat.BAIK, bulan)


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


# The curve written independently as percentages: "at most p %" is 100·count ≤ p·N, "at least p %" 100·count ≥ p·N.
ORACLE = {
    "istimewa": {"sangat_baik_maks": lambda c, n: 100 * c[SB] <= 70 * n},
    "baik": {
        "baik_maks": lambda c, n: 100 * c[B] <= 70 * n,
        "butuh_perbaikan_kurang_ada": lambda c, n: c[BP] + c[K] >= 1,
    },
    "butuh_perbaikan": {
        "butuh_perbaikan_min": lambda c, n: 100 * c[BP] >= 60 * n,
        "sangat_baik_maks": lambda c, n: 100 * c[SB] <= 10 * n,
    },
    "kurang": {
        "kurang_min": lambda c, n: 100 * c[K] >= 60 * n,
        "butuh_perbaikan_min": lambda c, n: 100 * c[BP] >= 10 * n,
        "sangat_baik_maks": lambda c, n: 100 * c[SB] <= 10 * n,
    },
    "sangat_kurang": {
        "sangat_kurang_min": lambda c, n: 100 * c[SK] >= 60 * n,
        "kurang_butuh_perbaikan_min": lambda c, n: 100 * (c[K] + c[BP]) >= 10 * n,
        "sangat_baik_nol": lambda c, n: c[SB] == 0,
    },
}


@pytest.mark.parametrize("organisasi", sorted(ORACLE))
def test_curve_agrees_with_the_percent_rules_on_every_spread_of_up_to_twelve_employees(organisasi):
    for n in range(0, 13):
        for spread in _compositions(n, 5):
            counts = dict(zip((SB, B, BP, K, SK), spread, strict=True))
            result = check_distribution(PredikatOrganisasi(organisasi), _spread(counts))
            if n < 5:
                assert not result.diperiksa and not result.pelanggaran
                continue
            expected = [code for code, holds in ORACLE[organisasi].items() if not holds(counts, n)]
            assert [v.aturan for v in result.pelanggaran] == expected, counts
