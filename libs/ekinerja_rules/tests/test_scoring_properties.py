"""Properties of the pp46-2011 scoring, checked with generated inputs (hypothesis)."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ekinerja_rules.score_contract import run_score_cli
from ekinerja_rules.scoring import Kegiatan, Perilaku, Realisasi, SkpDocument, Target, display_value, score_year

pytestmark = pytest.mark.unit

D = Decimal
EXAMPLES = settings(max_examples=200, deadline=None)


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False)


# --- input as JSON numbers or as strings -------------------------------------------------------------------------

_amount = st.one_of(decimals("0", "1000", 0), decimals("0", "1000", 2), decimals("0", "1000", 4))
_positive = _amount.filter(lambda d: d > 0)
_kualitas = decimals("0", "100", 2)


@st.composite
def kegiatan_json(draw) -> dict:
    target = {"kuantitas": draw(_positive), "satuan": "dokumen", "waktu": draw(_positive)}
    realisasi = {"kuantitas": draw(_amount), "kualitas": draw(_kualitas), "waktu": draw(_amount)}
    if draw(st.booleans()):
        target["kualitas"] = draw(_kualitas.filter(lambda d: d > 0))
    if draw(st.booleans()):
        target["biaya"] = draw(st.one_of(st.just(D(0)), decimals("0", "500000000", 0)))
        realisasi["biaya"] = draw(decimals("0", "900000000", 0))
    if draw(st.booleans()):
        target["angka_kredit"] = draw(decimals("0", "10", 3))
    # No lone surrogates (the contract rejects them) and no NUL (render() uses it to mark numbers).
    nama = draw(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8))
    return {"nama": nama, "target": target, "realisasi": realisasi}


@st.composite
def score_input(draw) -> dict:
    documents = [
        {
            "kegiatan": draw(st.lists(kegiatan_json(), min_size=1, max_size=3)),
            "tugas_tambahan": D(draw(st.integers(0, 10))),
            "kreativitas": draw(st.sampled_from([None, "unit_kerja", "organisasi", "negara"])),
        }
        for _ in range(draw(st.integers(1, 2)))
    ]
    obj: dict = {"skp": documents}
    if draw(st.booleans()):
        aspects = ["orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama"]
        if draw(st.booleans()):
            aspects.append("kepemimpinan")
        obj["perilaku"] = {name: draw(_kualitas) for name in aspects}
    return obj


def render(obj, *, as_strings: bool, exponent_form: bool) -> str:
    """JSON text of ``obj`` writing each Decimal either as a JSON number or as a string holding the same text."""

    def written(value: Decimal) -> str:
        return format(value, "e") if exponent_form else format(value, "f")  # 12.50 or 1.250e+1

    def convert(value):
        if isinstance(value, Decimal):
            return written(value) if as_strings else f"\x00{written(value)}\x00"
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    text = json.dumps(convert(obj), ensure_ascii=False)
    return text if as_strings else re.sub(r'"\\u0000([^"\\]*)\\u0000"', r"\1", text)


def run(text: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_score_cli("-", io.StringIO(text), out, err)
    return code, out.getvalue(), err.getvalue()


@EXAMPLES
@given(score_input(), st.booleans())
def test_numbers_and_decimal_strings_give_identical_output(obj, exponent_form):
    as_numbers = render(obj, as_strings=False, exponent_form=exponent_form)
    as_strings = render(obj, as_strings=True, exponent_form=exponent_form)
    assert '"waktu": "' not in as_numbers and '"waktu": "' in as_strings
    numbers_result, strings_result = run(as_numbers), run(as_strings)
    assert numbers_result[0] == 0, numbers_result[2]
    assert numbers_result == strings_result


# --- monotonic in realised kuantitas -----------------------------------------------------------------------------
# Realised kuantitas (RO) only enters the kuantitas aspect, RO / TO * 100; the 24 % efficiency rule concerns waktu
# and biaya alone and does not look at RO. So for RO > 0 the score is strictly increasing in RO.
#
# The one real exception is the step from RO = 0 to RO > 0: a kegiatan without output scores 0 on every aspect
# (§0.4), while with output its waktu and biaya aspects are scored by the unclamped formula (§0.2) and go below 0
# for late delivery or overspending beyond 1.76 × target. Then RO = 0 can score more than a small RO > 0
# (see test_first_output_can_lower_the_score_when_very_late). The strongest true statement, tested below:
#   * 0 < RO1 < RO2  =>  score(RO1) < score(RO2) exactly, and displayed score(RO1) <= displayed score(RO2);
#   * RO1 = 0 < RO2  =>  score(RO1) <= score(RO2) exactly when the kegiatan's perhitungan at RO2 is >= 0, which is
#     always so when RW <= 1.76 TW and RB <= 1.76 TB (then no aspect is < 0).
# Both hold for the kegiatan value, the document, the year and the prestasi kerja (all increasing functions of it).

_place = st.one_of(decimals("0", "500", 0), decimals("0", "500", 2))


@st.composite
def year_with_one_varying_kegiatan(draw, within_limits: bool = False):
    """(target, realised, year): ``year(ro)`` scores a year whose first kegiatan has realised kuantitas ``ro``.
    With ``within_limits`` realised waktu and biaya stay at most 1.76 x their targets."""
    target = Target(
        kuantitas=draw(_place.filter(lambda d: d > 0)),
        waktu=draw(_place.filter(lambda d: d > 0)),
        biaya=draw(st.one_of(st.none(), _place)),
    )

    def realised_amount(of: Decimal) -> Decimal:
        return of * draw(decimals("0", "1.76", 2)) if within_limits else draw(_place)

    realised = dict(
        kualitas=draw(_kualitas),
        waktu=realised_amount(target.waktu),
        biaya=realised_amount(target.biaya) if target.biaya else None,
    )
    fixed = Kegiatan("tetap", Target(D(12), D(12)), Realisasi(D(10), D(80), D(12)))
    others = [fixed] * draw(st.integers(0, 2))
    document = dict(tugas_tambahan=draw(st.integers(0, 8)), kreativitas=draw(st.sampled_from([None, "negara"])))
    extra_documents = [SkpDocument(kegiatan=[fixed])] * draw(st.integers(0, 1))
    perilaku = draw(st.one_of(st.none(), st.builds(Perilaku, *[_kualitas] * 5)))

    def year(ro: Decimal):
        varying = Kegiatan("berubah", target, Realisasi(kuantitas=ro, **realised))
        return score_year([SkpDocument(kegiatan=[varying, *others], **document), *extra_documents], perilaku)

    return target, realised, year


def _scores(result) -> list[Decimal]:
    values = [result.documents[0].kegiatan[0].nilai_capaian, result.nilai_capaian_skp]
    return values + ([result.nilai_prestasi_kerja] if result.nilai_prestasi_kerja is not None else [])


@EXAMPLES
@given(year_with_one_varying_kegiatan(), _place.filter(lambda d: d > 0), _place.filter(lambda d: d > 0))
def test_score_increases_with_realised_kuantitas(case, a, b):
    assume(a != b)
    _, _, year = case
    low, high = _scores(year(min(a, b))), _scores(year(max(a, b)))
    for before, after in zip(low, high, strict=True):
        assert before < after
        assert display_value(before) <= display_value(after)


@EXAMPLES
@given(year_with_one_varying_kegiatan(within_limits=True), _place.filter(lambda d: d > 0))
def test_first_output_never_lowers_the_score_unless_late_or_over_budget(case, ro):
    target, realised, year = case
    assert realised["waktu"] <= D("1.76") * target.waktu
    assert realised["biaya"] is None or realised["biaya"] <= D("1.76") * target.biaya
    for before, after in zip(_scores(year(D(0))), _scores(year(ro)), strict=True):
        assert before <= after
        assert display_value(before) <= display_value(after)


@EXAMPLES
@given(year_with_one_varying_kegiatan(), _place.filter(lambda d: d > 0))
def test_first_output_lowers_the_score_exactly_when_its_perhitungan_is_negative(case, ro):
    _, _, year = case
    without, with_output = year(D(0)), year(ro)
    lowered = with_output.documents[0].kegiatan[0].perhitungan < 0
    for before, after in zip(_scores(without), _scores(with_output), strict=True):
        assert (after < before) is lowered


def test_first_output_can_lower_the_score_when_very_late():
    target = Target(kuantitas=D(100), waktu=D(12))

    def nilai(ro: str) -> Decimal:
        k = Kegiatan("terlambat", target, Realisasi(kuantitas=D(ro), kualitas=D(0), waktu=D(36)))
        return score_year([SkpDocument([k])]).nilai_capaian_skp

    assert nilai("0") == 0
    assert nilai("1") == (1 + 0 - 124) / D(3)  # waktu (21.12 - 36) / 12 * 100 = -124, not clamped
    assert nilai("1") < nilai("0")


# --- the 24 % boundary -------------------------------------------------------------------------------------------


def oracle(target: Decimal, realised: Decimal) -> tuple[bool, F]:
    """The §2.1 rule in exact rational arithmetic: (efficiency > 24 %, nilai)."""
    t, r = F(target), F(realised)
    efficiency = 100 - r / t * 100
    x = (F(176, 100) * t - r) / t * 100
    return (True, 76 - (x - 100)) if efficiency > 24 else (False, x)


@EXAMPLES
@given(
    target=st.one_of(decimals("0.01", "10000", 2), decimals("1", "1000000000", 0)),
    side=st.sampled_from(["at", "below", "above"]),
    places=st.integers(1, 12),
)
@example(target=D(12), side="at", places=2)  # 9.12 of 12: exactly 24 %, where a float computation errs
def test_24_percent_boundary_follows_the_exact_rule(target, side, places):
    at = D("0.76") * target  # exact: at most 4 decimals
    step = D(1).scaleb(-places)
    # Efficiency just below 24 % means a little more time (or money) used; just above, a little less.
    realised = {"at": at, "below": at + step, "above": at - step}[side]
    assume(realised >= 0)
    expect_penalised, expect_nilai = oracle(target, realised)
    assert expect_penalised is (side == "above")

    k = Kegiatan("batas", Target(kuantitas=D(1), waktu=target, biaya=target),
                 Realisasi(kuantitas=D(1), kualitas=D(100), waktu=realised, biaya=realised))
    scored = score_year([SkpDocument([k])]).documents[0].kegiatan[0]
    for aspect in (scored.waktu, scored.biaya):
        assert aspect.penalised is expect_penalised
        assert abs(F(aspect.nilai) - expect_nilai) < F(1, 10**40)
        if side == "at":
            assert aspect.nilai == 100 and aspect.efisiensi == 24
        elif side == "below":
            assert aspect.nilai < 100 and aspect.efisiensi < 24
        else:
            assert aspect.nilai < 76 and aspect.efisiensi > 24
