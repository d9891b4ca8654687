"""Pure scoring of one employee's SKP year: kegiatan aspects, documents, perilaku, prestasi kerja and sebutan.

Every value is computed with exact decimal arithmetic (DOMAIN.md §0.1) in a local 50-digit context; nothing is
rounded until ``display_value`` prepares a value for display or transport, and sebutan bands are applied to that
displayed value (§0.9). The constants come from a ``Ruleset`` (rulesets.py), never from this module.

The inputs are plain dataclasses whose numbers are ``Decimal`` or ``int`` (a ``float`` is refused: it no longer
holds the decimal that was written). ``score_year`` validates them first and raises ``InvalidScoreInput`` naming
the offending field with a path such as ``skp[0].kegiatan[1].target.kuantitas``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, localcontext
from typing import Sequence, Union

from ekinerja_platform.domain_errors import InvalidArgument, quote

from .rulesets import PP46_2011, Ruleset

Number = Union[Decimal, int]

# 50 significant digits: inputs have at most 30 (see below), so sums and products of inputs are exact and the
# quotients carry far more digits than the 2 that are displayed.
PRECISION = 50
# Bounds on every input number. They keep all arithmetic far from the decimal module's exponent limits and make
# the products used for the 24 % comparison exact; no real SKP comes near them (rupiah budgets < 10^18).
MAX_INTEGER_DIGITS = 18
MAX_DECIMAL_PLACES = 12
DISPLAY_QUANTUM = Decimal("0.01")
_HUNDRED = Decimal(100)
# Used only for products that must be exact; Inexact is trapped so a lost digit could never pass silently.
_EXACT = Context(prec=200, traps=[Inexact])


class InvalidScoreInput(InvalidArgument, ValueError):
    """An input the scoring rules cannot accept. ``field`` is a path such as ``skp[0].kegiatan[1].target.waktu``.
    An `InvalidArgument` of the platform's vocabulary (a `ValueError` too, for the offline contract's callers)."""

    field: str  # always given here, unlike a bare InvalidArgument

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


# --- inputs ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    kuantitas: Number
    waktu: Number
    kualitas: Number | None = None  # None: the ruleset's default (100)
    biaya: Number | None = None  # the biaya aspect counts only when > 0
    satuan: str | None = None
    angka_kredit: Number | None = None  # echoed; never changes the score


@dataclass(frozen=True)
class Realisasi:
    kuantitas: Number
    kualitas: Number
    waktu: Number
    biaya: Number | None = None


@dataclass(frozen=True)
class Kegiatan:
    nama: str
    target: Target
    realisasi: Realisasi


@dataclass(frozen=True)
class SkpDocument:
    """One SKP document: one position held for a period of the year (two after a mid-year move)."""

    kegiatan: Sequence[Kegiatan]
    tugas_tambahan: int = 0
    kreativitas: str | None = None  # a level of the ruleset (unit_kerja, organisasi, negara) or None


@dataclass(frozen=True)
class Perilaku:
    orientasi_pelayanan: Number
    integritas: Number
    komitmen: Number
    disiplin: Number
    kerja_sama: Number
    kepemimpinan: Number | None = None  # jabatan struktural only


# --- results (exact, unrounded) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EfficiencyAspect:
    """Waktu or biaya. ``penalised`` tells which formula applied: True when efficiency > the threshold (24 %)."""

    nilai: Decimal
    efisiensi: Decimal | None  # None when the kegiatan has no output
    penalised: bool


@dataclass(frozen=True)
class KegiatanScore:
    nama: str
    kuantitas: Decimal
    kualitas: Decimal
    waktu: EfficiencyAspect
    biaya: EfficiencyAspect | None  # None when the target has no biaya
    jumlah_aspek: int
    perhitungan: Decimal
    nilai_capaian: Decimal
    angka_kredit: Number | None  # the target's, echoed as given (an int stays an int)


@dataclass(frozen=True)
class DocumentScore:
    kegiatan: tuple[KegiatanScore, ...]
    rata_rata_kegiatan: Decimal
    nilai_tugas_tambahan: int
    nilai_kreativitas: int
    nilai_capaian_skp: Decimal


@dataclass(frozen=True)
class PerilakuScore:
    nilai: Decimal
    jumlah_aspek: int
    sebutan: str


@dataclass(frozen=True)
class YearScore:
    ruleset_id: str
    documents: tuple[DocumentScore, ...]
    nilai_capaian_skp: Decimal
    sebutan_capaian_skp: str
    perilaku: PerilakuScore | None
    nilai_prestasi_kerja: Decimal | None
    sebutan: str | None


# --- display ----------------------------------------------------------------------------------------------------


def display_value(value: Decimal) -> Decimal:
    """``value`` rounded half-up (ties away from zero) to 2 decimals; never a negative zero."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rounded = value.quantize(DISPLAY_QUANTUM, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def sebutan_for(value: Decimal, ruleset: Ruleset = PP46_2011) -> str:
    """The sebutan of an exact value: the bands apply to the value as displayed (DOMAIN.md §0.9)."""
    return ruleset.sebutan_for(display_value(value))


# --- validation -------------------------------------------------------------------------------------------------


def _number(value: object, field: str) -> Decimal:
    """``value`` as a canonical Decimal (trailing zeros dropped), or InvalidScoreInput."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        kind = "missing" if value is None else f"not a number ({type(value).__name__})"
        raise InvalidScoreInput(field, f"{kind}: an exact decimal number is required")
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidScoreInput(field, "must be a finite number")
    if number.is_zero():
        return Decimal(0)
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):  # 'n'/'N'/'F' mark NaN/Infinity, refused just above; narrows the type
        raise InvalidScoreInput(field, "must be a finite number")
    kept = list(digits)
    while kept[-1] == 0:
        kept.pop()
        exponent += 1
    number = Decimal((sign, tuple(kept), exponent))
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidScoreInput(field, f"too large: at most {MAX_INTEGER_DIGITS} digits before the decimal point")
    if exponent < -MAX_DECIMAL_PLACES:
        raise InvalidScoreInput(field, f"too precise: at most {MAX_DECIMAL_PLACES} decimal places")
    return number


def _at_least(value: object, field: str, minimum: Decimal, *, exclusive: bool = False) -> Decimal:
    number = _number(value, field)
    if number < minimum or (exclusive and number == minimum):
        relation = "greater than" if exclusive else "at least"
        raise InvalidScoreInput(field, f"must be {relation} {minimum} (got {value})")
    return number


def _between(value: object, field: str, low: Decimal, high: Decimal, *, low_exclusive: bool = False) -> Decimal:
    number = _number(value, field)
    if number < low or number > high or (low_exclusive and number == low):
        interval = f"{'(' if low_exclusive else '['}{low}, {high}]"
        raise InvalidScoreInput(field, f"must be in {interval} (got {value})")
    return number


def _check_document(document: SkpDocument, path: str, ruleset: Ruleset) -> SkpDocument:
    if not isinstance(document, SkpDocument):
        raise InvalidScoreInput(path, "must be an SKP document")
    if isinstance(document.kegiatan, (str, bytes)) or not isinstance(document.kegiatan, Sequence):
        raise InvalidScoreInput(f"{path}.kegiatan", "must be a list of kegiatan")
    if not document.kegiatan:
        raise InvalidScoreInput(f"{path}.kegiatan", "a document needs at least one kegiatan")
    kegiatan = tuple(_check_kegiatan(k, f"{path}.kegiatan[{i}]", ruleset) for i, k in enumerate(document.kegiatan))
    count = document.tugas_tambahan
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidScoreInput(f"{path}.tugas_tambahan", "must be a whole number")
    if count < 0:
        raise InvalidScoreInput(f"{path}.tugas_tambahan", f"must be at least 0 (got {count})")
    levels = ruleset.kreativitas_levels()
    if document.kreativitas is not None and document.kreativitas not in levels:
        raise InvalidScoreInput(
            f"{path}.kreativitas",
            f"unknown level {quote(document.kreativitas)}: expected null or one of {', '.join(levels)}",
        )
    return replace(document, kegiatan=kegiatan)


def _check_kegiatan(kegiatan: Kegiatan, path: str, ruleset: Ruleset) -> Kegiatan:
    if not isinstance(kegiatan, Kegiatan):
        raise InvalidScoreInput(path, "must be a kegiatan")
    if not isinstance(kegiatan.target, Target):
        raise InvalidScoreInput(f"{path}.target", "must be a target")
    if not isinstance(kegiatan.realisasi, Realisasi):
        raise InvalidScoreInput(f"{path}.realisasi", "must be a realisasi")
    if not isinstance(kegiatan.nama, str):
        raise InvalidScoreInput(f"{path}.nama", "must be a text")
    t, r = kegiatan.target, kegiatan.realisasi
    tp, rp = f"{path}.target", f"{path}.realisasi"
    if t.satuan is not None and not isinstance(t.satuan, str):
        raise InvalidScoreInput(f"{tp}.satuan", "must be a text")
    if t.angka_kredit is not None:
        _at_least(t.angka_kredit, f"{tp}.angka_kredit", Decimal(0))
    zero, kualitas_max = Decimal(0), ruleset.kualitas_max
    target_kualitas = ruleset.default_target_kualitas if t.kualitas is None else t.kualitas
    target = Target(
        kuantitas=_at_least(t.kuantitas, f"{tp}.kuantitas", zero, exclusive=True),
        waktu=_at_least(t.waktu, f"{tp}.waktu", zero, exclusive=True),
        kualitas=_between(target_kualitas, f"{tp}.kualitas", zero, kualitas_max, low_exclusive=True),
        biaya=None if t.biaya is None else _at_least(t.biaya, f"{tp}.biaya", zero),
        satuan=t.satuan,
        angka_kredit=t.angka_kredit,
    )
    biaya_counts = target.biaya is not None and target.biaya > 0
    if biaya_counts and r.biaya is None:
        raise InvalidScoreInput(f"{rp}.biaya", "missing: required when target.biaya is greater than 0")
    realisasi = Realisasi(
        kuantitas=_at_least(r.kuantitas, f"{rp}.kuantitas", zero),
        kualitas=_between(r.kualitas, f"{rp}.kualitas", zero, kualitas_max),
        waktu=_at_least(r.waktu, f"{rp}.waktu", zero),
        biaya=None if r.biaya is None else _at_least(r.biaya, f"{rp}.biaya", zero),
    )
    return Kegiatan(nama=kegiatan.nama, target=target, realisasi=realisasi)


def _check_perilaku(perilaku: Perilaku, ruleset: Ruleset) -> dict[str, Decimal]:
    if not isinstance(perilaku, Perilaku):
        raise InvalidScoreInput("perilaku", "must be a perilaku assessment")
    aspects: dict[str, Decimal] = {}
    for name in ruleset.perilaku_aspects + ruleset.perilaku_optional_aspects:
        value = getattr(perilaku, name)
        if value is None and name in ruleset.perilaku_optional_aspects:
            continue
        aspects[name] = _between(value, f"perilaku.{name}", Decimal(0), ruleset.perilaku_max)
    return aspects


def validate_year(
    documents: Sequence[SkpDocument], perilaku: Perilaku | None = None, ruleset: Ruleset = PP46_2011
) -> None:
    """Raise InvalidScoreInput for the first input the rules cannot score; return None when all is well."""
    _checked(documents, perilaku, ruleset)


def _checked(
    documents: Sequence[SkpDocument], perilaku: Perilaku | None, ruleset: Ruleset
) -> tuple[tuple[SkpDocument, ...], dict[str, Decimal] | None]:
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence):
        raise InvalidScoreInput("skp", "must be a list of SKP documents")
    if not documents:
        raise InvalidScoreInput("skp", "at least one SKP document is required")
    checked = tuple(_check_document(d, f"skp[{i}]", ruleset) for i, d in enumerate(documents))
    aspects = None if perilaku is None else _check_perilaku(perilaku, ruleset)
    return checked, aspects


# --- scoring ----------------------------------------------------------------------------------------------------


def _efficiency_aspect(target: Decimal, realised: Decimal, ruleset: Ruleset) -> EfficiencyAspect:
    """Waktu or biaya by the 1.76 formula (DOMAIN.md §2.1), not clamped (§0.2)."""
    efisiensi = _HUNDRED - realised / target * _HUNDRED
    x = (ruleset.efficiency_factor * target - realised) / target * _HUNDRED
    # E > threshold  <=>  R/T*100 < 100 - threshold  <=>  R*100 < T*(100 - threshold)   (T > 0).
    # Compared as exact products, so 9.12 of 12 is exactly 24 % and takes the <= branch.
    penalised = _EXACT.multiply(realised, _HUNDRED) < _EXACT.multiply(target, _HUNDRED - ruleset.efficiency_threshold)
    nilai = ruleset.penalty_base - (x - _HUNDRED) if penalised else x
    return EfficiencyAspect(nilai=nilai, efisiensi=efisiensi, penalised=penalised)


_NO_OUTPUT = EfficiencyAspect(nilai=Decimal(0), efisiensi=None, penalised=False)


def _checked_number(value: Number | None) -> Decimal:
    """A number `_check_kegiatan` made a Decimal; Target/Realisasi admit unchecked ints and None, so say it here."""
    if not isinstance(value, Decimal):
        raise TypeError(f"score input not checked: {value!r}")
    return value


def _score_kegiatan(kegiatan: Kegiatan, ruleset: Ruleset) -> KegiatanScore:
    t, r = kegiatan.target, kegiatan.realisasi
    biaya_counts = t.biaya is not None and t.biaya > 0
    jumlah_aspek = 4 if biaya_counts else 3
    if r.kuantitas == 0:
        # No output: every aspect scores 0 (otherwise on-time waktu alone would still give 76), §0.4.
        zero = Decimal(0)
        return KegiatanScore(
            nama=kegiatan.nama, kuantitas=zero, kualitas=zero, waktu=_NO_OUTPUT,
            biaya=_NO_OUTPUT if biaya_counts else None, jumlah_aspek=jumlah_aspek,
            perhitungan=zero, nilai_capaian=zero, angka_kredit=t.angka_kredit,
        )
    kuantitas = _checked_number(r.kuantitas) / _checked_number(t.kuantitas) * _HUNDRED
    kualitas = _checked_number(r.kualitas) / _checked_number(t.kualitas) * _HUNDRED
    waktu = _efficiency_aspect(_checked_number(t.waktu), _checked_number(r.waktu), ruleset)
    biaya = _efficiency_aspect(_checked_number(t.biaya), _checked_number(r.biaya), ruleset) if biaya_counts else None
    perhitungan = kuantitas + kualitas + waktu.nilai + (biaya.nilai if biaya else 0)
    return KegiatanScore(
        nama=kegiatan.nama, kuantitas=kuantitas, kualitas=kualitas, waktu=waktu, biaya=biaya,
        jumlah_aspek=jumlah_aspek, perhitungan=perhitungan, nilai_capaian=perhitungan / jumlah_aspek,
        angka_kredit=t.angka_kredit,
    )


def _score_document(document: SkpDocument, ruleset: Ruleset) -> DocumentScore:
    kegiatan = tuple(_score_kegiatan(k, ruleset) for k in document.kegiatan)
    rata_rata = sum((k.nilai_capaian for k in kegiatan), Decimal(0)) / len(kegiatan)
    tugas_tambahan = ruleset.tugas_tambahan_points(document.tugas_tambahan)
    kreativitas = ruleset.points_for_kreativitas(document.kreativitas)
    return DocumentScore(
        kegiatan=kegiatan, rata_rata_kegiatan=rata_rata, nilai_tugas_tambahan=tugas_tambahan,
        nilai_kreativitas=kreativitas, nilai_capaian_skp=rata_rata + tugas_tambahan + kreativitas,
    )


def score_year(
    documents: Sequence[SkpDocument], perilaku: Perilaku | None = None, ruleset: Ruleset = PP46_2011
) -> YearScore:
    """Score one employee's year: one document per position held, optional perilaku (DOMAIN.md §0.1-§0.9)."""
    checked, aspects = _checked(documents, perilaku, ruleset)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        ctx.rounding = ROUND_HALF_UP
        scored = tuple(_score_document(d, ruleset) for d in checked)
        # Two positions in one year: the simple mean of the documents (§0.6).
        nilai_skp = sum((d.nilai_capaian_skp for d in scored), Decimal(0)) / len(scored)
        perilaku_score = nilai_prestasi = sebutan = None
        if aspects is not None:
            nilai_perilaku = sum(aspects.values(), Decimal(0)) / len(aspects)
            perilaku_score = PerilakuScore(nilai_perilaku, len(aspects), sebutan_for(nilai_perilaku, ruleset))
            # From the unrounded values (§0.8).
            nilai_prestasi = (
                nilai_skp * ruleset.weight_skp_percent + nilai_perilaku * ruleset.weight_perilaku_percent
            ) / _HUNDRED
            sebutan = sebutan_for(nilai_prestasi, ruleset)
    return YearScore(
        ruleset_id=ruleset.id,
        documents=scored,
        nilai_capaian_skp=nilai_skp,
        sebutan_capaian_skp=sebutan_for(nilai_skp, ruleset),
        perilaku=perilaku_score,
        nilai_prestasi_kerja=nilai_prestasi,
        sebutan=sebutan,
    )
