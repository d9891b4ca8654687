"""Scoring rulesets as versioned data.

A ruleset holds every constant the scoring code needs; the code holds none. A document is always scored by the
ruleset of its period (DOMAIN.md §0.10), so a published ruleset is never edited: a new regulation gets a new
instance beside the old one (for example ``PERMENPANRB6_2022``) and an entry in ``_REGISTRY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SebutanBand:
    """Values up to ``upper`` (inclusive when ``inclusive``) get ``sebutan``; ``upper`` None closes the scale."""

    upper: Decimal | None
    inclusive: bool
    sebutan: str


@dataclass(frozen=True)
class Ruleset:
    id: str
    title: str
    # Waktu and biaya aspects (DOMAIN.md §2.1): X = (factor * T - R) / T * 100; efficiency E = 100 - R / T * 100.
    # E <= threshold scores X; E > threshold scores penalty_base - (X - 100).
    efficiency_factor: Decimal
    efficiency_threshold: Decimal
    penalty_base: Decimal
    default_target_kualitas: Decimal
    kualitas_max: Decimal  # target and realised kualitas lie in (0, max] and [0, max]
    # (minimum count, points), ascending: a count scores the points of the last band whose minimum it reaches.
    tugas_tambahan_bands: tuple[tuple[int, int], ...]
    kreativitas_points: tuple[tuple[str, int], ...]
    perilaku_aspects: tuple[str, ...]
    # Aspects assessed only for some positions (kepemimpinan: jabatan struktural only).
    perilaku_optional_aspects: tuple[str, ...]
    perilaku_max: Decimal
    weight_skp_percent: int
    weight_perilaku_percent: int
    sebutan_bands: tuple[SebutanBand, ...]

    def tugas_tambahan_points(self, count: int) -> int:
        points = 0
        for minimum, band_points in self.tugas_tambahan_bands:
            if count >= minimum:
                points = band_points
        return points

    def kreativitas_levels(self) -> tuple[str, ...]:
        return tuple(level for level, _ in self.kreativitas_points)

    def points_for_kreativitas(self, level: str | None) -> int:
        if level is None:
            return 0
        return dict(self.kreativitas_points)[level]

    def sebutan_for(self, displayed: Decimal) -> str:
        """The sebutan of a value as displayed (already rounded), per DOMAIN.md §0.9."""
        for band in self.sebutan_bands:
            if band.upper is None or displayed < band.upper or (band.inclusive and displayed == band.upper):
                return band.sebutan
        raise AssertionError(f"ruleset {self.id} has no closing sebutan band")


PP46_2011 = Ruleset(
    id="pp46-2011",
    title="PP 46/2011 with Perka BKN 1/2013",
    efficiency_factor=Decimal("1.76"),
    efficiency_threshold=Decimal("24"),
    penalty_base=Decimal("76"),
    default_target_kualitas=Decimal("100"),
    kualitas_max=Decimal("100"),
    tugas_tambahan_bands=((0, 0), (1, 1), (4, 2), (7, 3)),
    kreativitas_points=(("unit_kerja", 3), ("organisasi", 6), ("negara", 12)),
    perilaku_aspects=("orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama"),
    perilaku_optional_aspects=("kepemimpinan",),
    perilaku_max=Decimal("100"),
    weight_skp_percent=60,
    weight_perilaku_percent=40,
    sebutan_bands=(
        SebutanBand(Decimal("50"), True, "Buruk"),
        SebutanBand(Decimal("60"), True, "Kurang"),
        SebutanBand(Decimal("75"), True, "Cukup"),
        SebutanBand(Decimal("91"), False, "Baik"),
        SebutanBand(None, True, "Sangat Baik"),
    ),
)

_REGISTRY: dict[str, Ruleset] = {ruleset.id: ruleset for ruleset in (PP46_2011,)}


class UnknownRuleset(LookupError):
    pass


def get_ruleset(ruleset_id: str) -> Ruleset:
    try:
        return _REGISTRY[ruleset_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownRuleset(f"unknown ruleset {ruleset_id!r} (known: {known})") from None
