"""The distribution curve of one organisation (shared/PERMENPANRB_6_2022.md §4).

It informs the pejabat yang berwenang and never changes anyone's predikat. "At most p %" is count ≤ floor(p·N/100),
"at least p %" is count ≥ ceil(p·N/100) — integer arithmetic, so no rounding question arises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .rules import CURVE_MINIMUM_EMPLOYEES, CURVES, Bound, CurveRule, Predikat, PredikatOrganisasi


@dataclass(frozen=True)
class Violation:
    """A broken rule: its code (``<predikat>_<maks|min|ada|nol>``) and one Indonesian sentence with the counts."""

    aturan: str
    pesan: str


@dataclass(frozen=True)
class CurveResult:
    predikat_organisasi: PredikatOrganisasi
    jumlah: dict[Predikat, int]  # every predikat, in code order, zero included
    diperiksa: bool  # False when N < CURVE_MINIMUM_EMPLOYEES
    pelanggaran: tuple[Violation, ...]

    @property
    def total(self) -> int:
        return sum(self.jumlah.values())

    @property
    def memenuhi(self) -> bool | None:
        """None when not checked; else whether no rule is broken."""
        return not self.pelanggaran if self.diperiksa else None


def _names(rule: CurveRule) -> str:
    return " atau ".join(p.label for p in rule.predikat)


def _limit(rule: CurveRule, total: int) -> int:
    if rule.bound is Bound.ADA or rule.bound is Bound.NOL:
        return 1 if rule.bound is Bound.ADA else 0
    if rule.percent is None:  # a MAKS/MIN rule without its percent is a bug in the table, not user input
        raise ValueError(f"curve rule {rule.code} has no percent")
    if rule.bound is Bound.MAKS:
        return rule.percent * total // 100  # floor
    if rule.bound is Bound.MIN:
        return -(-rule.percent * total // 100)  # ceil
    return 1 if rule.bound is Bound.ADA else 0


def _violation(rule: CurveRule, count: int, total: int) -> Violation | None:
    limit = _limit(rule, total)
    names = _names(rule)
    if rule.bound is Bound.MAKS and count > limit:
        pesan = (
            f"Pegawai berpredikat {names} berjumlah {count} dari {total}, melebihi batas {rule.percent}% "
            f"(paling banyak {limit})."
        )
    elif rule.bound is Bound.MIN and count < limit:
        pesan = (
            f"Pegawai berpredikat {names} berjumlah {count} dari {total}, kurang dari {rule.percent}% "
            f"(paling sedikit {limit})."
        )
    elif rule.bound is Bound.ADA and count < limit:
        pesan = f"Tidak ada pegawai berpredikat {names} dari {total} pegawai, padahal harus ada paling sedikit 1."
    elif rule.bound is Bound.NOL and count > limit:
        pesan = f"Pegawai berpredikat {names} berjumlah {count} dari {total}, padahal tidak boleh ada."
    else:
        return None
    return Violation(rule.code, pesan)


def check_distribution(predikat_organisasi: PredikatOrganisasi, predikat: Iterable[Predikat]) -> CurveResult:
    """Count the employees' predikat and list every rule of the organisation's curve they break (N ≥ 5 only)."""
    organisasi = PredikatOrganisasi(predikat_organisasi)
    counts = Counter(Predikat(p) for p in predikat)
    jumlah = {p: counts.get(p, 0) for p in sorted(Predikat, key=lambda p: p.code)}
    total = sum(jumlah.values())
    if total < CURVE_MINIMUM_EMPLOYEES:
        return CurveResult(organisasi, jumlah, diperiksa=False, pelanggaran=())
    broken = (_violation(rule, sum(jumlah[p] for p in rule.predikat), total) for rule in CURVES[organisasi])
    return CurveResult(organisasi, jumlah, diperiksa=True, pelanggaran=tuple(v for v in broken if v is not None))
