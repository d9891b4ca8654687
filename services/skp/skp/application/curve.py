"""The distribution curve as a use case (PermenPANRB 6/2022 §4, issue 22 item 4): the PyB has set the organisation's
predikat for a period; the check counts the employees' predikat of that instansi and period and lists every broken
rule with its counts — the libs code (``ekinerja_rules.permenpanrb_6_2022.curve``), never a second copy. It informs
the PyB before the results are final and changes nobody's predikat.

The results of a period become final only when the PyB finalises it (``finalise``): refused while the spread breaks
the curve, listing every broken rule with its counts, unless the PyB writes why it finalises anyway
(``alasan_pengecualian``): ratings are final in skp and the curve never changes a predikat, so without that way out a
period whose ratings break the curve could never be closed. The broken rules and the reason are kept and audited.

Where the employees' predikat come from is a port (``Settings.predikat_of``, application/ports.py): the periodic
evaluation finalises them; the adapter reads the table it writes (adapters/predikat_repository.py).
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_rules.permenpanrb_6_2022.curve import CurveResult, check_distribution
from ekinerja_rules.permenpanrb_6_2022.rules import PredikatOrganisasi

from ..domain import ruleset_setting as rs
from . import policy
from .ports import SkpUnitOfWork
from .ruleset_setting import FINALISASI, _actor, finalisation_of, lock_period, predikat_organisasi_of, require_6_2022


def check(uow: SkpUnitOfWork, principal, instansi_id: str, periode: str) -> CurveResult:
    rs.check_instansi(instansi_id)
    rs.check_periode(periode)
    policy.authorize_instansi("CheckDistribution", principal, instansi_id)
    require_6_2022(uow, instansi_id, periode)
    return _spread(uow, instansi_id, periode)


def _spread(uow: SkpUnitOfWork, instansi_id: str, periode: str) -> CurveResult:
    organisasi = predikat_organisasi_of(uow, instansi_id, periode)
    if organisasi is None:
        raise FailedPrecondition(f"predikat kinerja organisasi periode {periode} belum ditetapkan oleh pejabat yang "
                                 "berwenang", field="predikat_organisasi",
                                 reason="PREDIKAT_ORGANISASI_BELUM_DITETAPKAN")
    predikat = uow.settings.predikat_of(instansi_id, periode)
    return check_distribution(PredikatOrganisasi(organisasi), predikat)


def refusal_message(result: CurveResult) -> str:
    """Every broken rule with its counts, in one message the PyB reads."""
    broken = "; ".join(f"[{v.aturan}] {v.pesan}" for v in result.pelanggaran)
    return (f"sebaran predikat {result.total} pegawai belum memenuhi kurva distribusi untuk predikat organisasi "
            f"{result.predikat_organisasi.value}: {broken} Hasil belum dapat difinalkan; perbaiki penilaian atau "
            "tuliskan alasan_pengecualian.")


def finalise(uow: SkpUnitOfWork, principal, instansi_id: str, periode: str, alasan: str) -> tuple[CurveResult, dict]:
    """The PyB makes the period's results final (idempotent: a finalised period is answered as it was)."""
    rs.check_instansi(instansi_id)
    periode = rs.check_periode(periode)
    policy.authorize_instansi("FinaliseDistribution", principal, instansi_id)
    require_6_2022(uow, instansi_id, periode)
    alasan = rs.check_reason(alasan, field="alasan_pengecualian") if (alasan or "").strip() else ""
    lock_period(uow, instansi_id, periode, shared=False)
    existing = finalisation_of(uow, instansi_id, periode)
    result = _spread(uow, instansi_id, periode)
    if existing is not None:
        return result, existing
    broken = [{"aturan": v.aturan, "pesan": v.pesan} for v in result.pelanggaran]
    if broken and not alasan:
        raise FailedPrecondition(refusal_message(result), field="pelanggaran",
                                 reason="KURVA_DISTRIBUSI_TIDAK_TERPENUHI")
    uow.settings.add_finalisation(dict(
        instansi_id=instansi_id, periode=periode, predikat_organisasi=result.predikat_organisasi.value,
        jumlah={p.value: n for p, n in result.jumlah.items()}, pelanggaran=broken,
        alasan_pengecualian=alasan if broken else None, finalised_by=_actor(principal)))
    detail = "tidak diperiksa (kurang dari 5 pegawai)" if not result.diperiksa else (
        "memenuhi kurva distribusi" if not broken else "; ".join(v["aturan"] for v in broken))
    uow.settings.audit(FINALISASI, instansi_id, periode, _actor(principal), None,
                       "final_dengan_pengecualian" if broken else "final",
                       f"{alasan} ({detail})" if broken else detail)
    row = finalisation_of(uow, instansi_id, periode)
    assert row is not None
    return result, row

