"""Angka kredit of a jabatan fungsional for one evaluation (shared/PERMENPANRB_6_2022.md §5)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from .rules import (
    ANGKA_KREDIT_DECIMALS,
    BULAN_MAX,
    BULAN_MIN,
    KOEFISIEN,
    PERSENTASE_ANGKA_KREDIT,
    Jenjang,
    Predikat,
)


def angka_kredit(jenjang: Jenjang, predikat: Predikat, bulan: int = BULAN_MAX) -> Decimal:
    """coefficient × percentage × bulan / 12, exact (a Fraction: /12 never terminates in decimals), half-up to 3."""
    if isinstance(bulan, bool) or not isinstance(bulan, int) or not BULAN_MIN <= bulan <= BULAN_MAX:
        raise ValueError(f"bulan must be a whole number {BULAN_MIN}..{BULAN_MAX}, got {bulan!r}")
    exact = (
        Fraction(KOEFISIEN[Jenjang(jenjang)])
        * Fraction(PERSENTASE_ANGKA_KREDIT[Predikat(predikat)])
        / 100
        * Fraction(bulan, BULAN_MAX)
    )
    scale = 10**ANGKA_KREDIT_DECIMALS
    # Half-up on a non-negative exact value: floor(x * scale + 1/2); then an exact Decimal with 3 places.
    units = (exact * scale + Fraction(1, 2)).__floor__()
    with localcontext() as context:
        context.prec = 50
        return (Decimal(units) / scale).quantize(Decimal(1).scaleb(-ANGKA_KREDIT_DECIMALS), rounding=ROUND_HALF_UP)
