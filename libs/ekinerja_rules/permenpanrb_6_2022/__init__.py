"""The ``permenpanrb-6-2022`` ruleset (PP 30/2019, PermenPANRB 6/2022, SE MenPANRB 3/2023). Standard library only.

``rules`` holds the regulation's tables as data, ``predikat`` the matrix (§3), ``curve`` the distribution check (§4),
``angka_kredit`` the yearly credit of jabatan fungsional (§5) and ``contract`` the offline JSON contract of
``ekinerja skp predikat`` (§6) — all of shared/PERMENPANRB_6_2022.md. The skp service is meant to call the same
functions, so the offline calculator and the service cannot disagree.
"""

from .angka_kredit import angka_kredit
from .curve import CurveResult, Violation, check_distribution
from .predikat import predikat_for
from .rules import RULESET_ID, Jenjang, Predikat, PredikatOrganisasi, Rating

__all__ = [
    "RULESET_ID",
    "CurveResult",
    "Jenjang",
    "Predikat",
    "PredikatOrganisasi",
    "Rating",
    "Violation",
    "angka_kredit",
    "check_distribution",
    "predikat_for",
]
