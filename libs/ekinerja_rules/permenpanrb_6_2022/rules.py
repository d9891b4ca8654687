"""The tables of PermenPANRB 6/2022 as data (shared/PERMENPANRB_6_2022.md §3–§5); the code in this package holds none.

A published ruleset is never edited (DOMAIN.md §0.10): a later regulation gets a new package beside this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

RULESET_ID = "permenpanrb-6-2022"


class Rating(str, Enum):
    """The penilai's rating of hasil kerja or of perilaku; ``code`` is SIASN's (1–3)."""

    DI_ATAS = "di_atas"
    SESUAI = "sesuai"
    DI_BAWAH = "di_bawah"

    @property
    def code(self) -> int:
        return _RATING_CODES[self]


_RATING_CODES = {Rating.DI_ATAS: 1, Rating.SESUAI: 2, Rating.DI_BAWAH: 3}


class Predikat(str, Enum):
    """The predikat kinerja pegawai; ``code`` is SIASN's (1–5), ``label`` the words a person reads."""

    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"

    @property
    def code(self) -> int:
        return _PREDIKAT_CODES[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_PREDIKAT_CODES = {
    Predikat.SANGAT_BAIK: 1,
    Predikat.BAIK: 2,
    Predikat.BUTUH_PERBAIKAN: 3,
    Predikat.KURANG: 4,
    Predikat.SANGAT_KURANG: 5,
}

# §3: (hasil kerja, perilaku) -> predikat. Hasil kerja di atas/sesuai with perilaku di bawah is KURANG, not
# BUTUH_PERBAIKAN (some public clients get this wrong).
MATRIX: dict[tuple[Rating, Rating], Predikat] = {
    (Rating.DI_ATAS, Rating.DI_ATAS): Predikat.SANGAT_BAIK,
    (Rating.DI_ATAS, Rating.SESUAI): Predikat.BAIK,
    (Rating.DI_ATAS, Rating.DI_BAWAH): Predikat.KURANG,
    (Rating.SESUAI, Rating.DI_ATAS): Predikat.BAIK,
    (Rating.SESUAI, Rating.SESUAI): Predikat.BAIK,
    (Rating.SESUAI, Rating.DI_BAWAH): Predikat.KURANG,
    (Rating.DI_BAWAH, Rating.DI_ATAS): Predikat.BUTUH_PERBAIKAN,
    (Rating.DI_BAWAH, Rating.SESUAI): Predikat.BUTUH_PERBAIKAN,
    (Rating.DI_BAWAH, Rating.DI_BAWAH): Predikat.SANGAT_KURANG,
}


class PredikatOrganisasi(str, Enum):
    """The organisation's own predikat kinerja for the period, set by the PyB; it picks the curve (§4)."""

    ISTIMEWA = "istimewa"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"


class Bound(str, Enum):
    """How a curve rule bounds a count; the value is the suffix of the rule's code (``<predikat>_<bound>``)."""

    MAKS = "maks"  # count <= floor(p * N / 100)
    MIN = "min"  # count >= ceil(p * N / 100)
    ADA = "ada"  # count >= 1
    NOL = "nol"  # count == 0


@dataclass(frozen=True)
class CurveRule:
    """One rule of a curve: the count of employees with any of ``predikat`` is bounded by ``bound`` (``percent``)."""

    predikat: tuple[Predikat, ...]
    bound: Bound
    percent: int | None = None

    @property
    def code(self) -> str:
        """``<predikat>_<bound>``; a rule over several predikat joins their names in the order the table writes."""
        return "_".join(p.value for p in self.predikat) + "_" + self.bound.value


SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)

# §4 (SE MenPANRB 3/2023): the curve of each predikat organisasi.
CURVES: dict[PredikatOrganisasi, tuple[CurveRule, ...]] = {
    PredikatOrganisasi.ISTIMEWA: (CurveRule((SB,), Bound.MAKS, 70),),
    PredikatOrganisasi.BAIK: (CurveRule((B,), Bound.MAKS, 70), CurveRule((BP, K), Bound.ADA)),
    PredikatOrganisasi.BUTUH_PERBAIKAN: (CurveRule((BP,), Bound.MIN, 60), CurveRule((SB,), Bound.MAKS, 10)),
    PredikatOrganisasi.KURANG: (
        CurveRule((K,), Bound.MIN, 60),
        CurveRule((BP,), Bound.MIN, 10),
        CurveRule((SB,), Bound.MAKS, 10),
    ),
    PredikatOrganisasi.SANGAT_KURANG: (
        CurveRule((SK,), Bound.MIN, 60),
        CurveRule((K, BP), Bound.MIN, 10),
        CurveRule((SB,), Bound.NOL),
    ),
}

# Decision (§4): below this many employees with a predikat the curve is not checked.
CURVE_MINIMUM_EMPLOYEES = 5


class Jenjang(str, Enum):
    """Jenjang jabatan fungsional (keahlian and keterampilan) that earn angka kredit."""

    AHLI_PERTAMA = "ahli_pertama"
    AHLI_MUDA = "ahli_muda"
    AHLI_MADYA = "ahli_madya"
    AHLI_UTAMA = "ahli_utama"
    PEMULA = "pemula"
    TERAMPIL = "terampil"
    MAHIR = "mahir"
    PENYELIA = "penyelia"


# §5: yearly coefficient of angka kredit by jenjang.
KOEFISIEN: dict[Jenjang, Decimal] = {
    Jenjang.AHLI_PERTAMA: Decimal("12.5"),
    Jenjang.AHLI_MUDA: Decimal("25"),
    Jenjang.AHLI_MADYA: Decimal("37.5"),
    Jenjang.AHLI_UTAMA: Decimal("50"),
    Jenjang.PEMULA: Decimal("3.75"),
    Jenjang.TERAMPIL: Decimal("5"),
    Jenjang.MAHIR: Decimal("12.5"),
    Jenjang.PENYELIA: Decimal("25"),
}

# §5: the share of the coefficient earned, by predikat (percent).
PERSENTASE_ANGKA_KREDIT: dict[Predikat, Decimal] = {
    Predikat.SANGAT_BAIK: Decimal("150"),
    Predikat.BAIK: Decimal("100"),
    Predikat.BUTUH_PERBAIKAN: Decimal("75"),
    Predikat.KURANG: Decimal("50"),
    Predikat.SANGAT_KURANG: Decimal("25"),
}

BULAN_MIN, BULAN_MAX = 1, 12
ANGKA_KREDIT_DECIMALS = 3  # decision (§5): half-up to 3 decimals
