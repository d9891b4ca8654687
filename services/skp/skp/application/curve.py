"""The distribution curve as a use case (PermenPANRB 6/2022 §4, issue 22 item 4): the PyB has set the organisation's
predikat for a period; the check counts the employees' predikat of that instansi and period and lists every broken
rule with its counts — the libs code (``ekinerja_rules.permenpanrb_6_2022.curve``), never a second copy. It informs
the PyB before the results are final and changes nobody's predikat.

Where the employees' predikat come from is a port (``PredikatSource``): the periodic evaluation finalises them; the
adapter here reads the table it writes (adapters/predikat_repository.py).
"""
from __future__ import annotations

from typing import Protocol

from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_rules.permenpanrb_6_2022.curve import CurveResult, check_distribution
from ekinerja_rules.permenpanrb_6_2022.rules import Predikat, PredikatOrganisasi

from ..adapters.predikat_repository import TablePredikatSource
from ..domain import ruleset_setting as rs
from . import policy
from .ruleset_setting import predikat_organisasi_of, require_6_2022


class PredikatSource(Protocol):
    def predikat_of(self, session, instansi_id: str, periode: str) -> list[Predikat]:
        """The finalised predikat of every employee of ``instansi_id`` in ``periode`` (one per employee)."""


def check(session, principal, instansi_id: str, periode: str,
          source: PredikatSource | None = None) -> CurveResult:
    rs.check_instansi(instansi_id)
    rs.check_periode(periode)
    policy.authorize_instansi("CheckDistribution", principal, instansi_id)
    require_6_2022(session, instansi_id, periode)
    organisasi = predikat_organisasi_of(session, instansi_id, periode)
    if organisasi is None:
        raise FailedPrecondition(f"predikat kinerja organisasi periode {periode} belum ditetapkan oleh pejabat yang "
                                 "berwenang", field="predikat_organisasi",
                                 reason="PREDIKAT_ORGANISASI_BELUM_DITETAPKAN")
    predikat = (source or TablePredikatSource()).predikat_of(session, instansi_id, periode)
    return check_distribution(PredikatOrganisasi(organisasi), predikat)
