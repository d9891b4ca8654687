"""The predikat kinerja pegawai from the two ratings (shared/PERMENPANRB_6_2022.md §3)."""

from __future__ import annotations

from .rules import MATRIX, Predikat, Rating


def predikat_for(hasil_kerja: Rating, perilaku: Rating) -> Predikat:
    """The matrix cell of (hasil kerja, perilaku); no formula, the penilai's two ratings decide."""
    return MATRIX[(Rating(hasil_kerja), Rating(perilaku))]
