"""Use cases of the instansi settings of issue 22: the ruleset per instansi and year (admin_bkn or the instansi's
admin_instansi) and the organisation's predikat kinerja per period (the PyB). Every change is audited in
``setting_audit`` (who, when, old -> new, why) in the same transaction; setting the value already in force changes
nothing and writes no audit row, so a retried call is harmless.

``ruleset_for`` is what drafting a document reads (consumers.draft_document): the document stores it and keeps it.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import FailedPrecondition

from ..domain import ruleset_setting as rs
from . import policy
from .ports import SkpUnitOfWork

RULESET, PREDIKAT_ORGANISASI, FINALISASI = "ruleset", "predikat_organisasi", "finalisasi"
SIKLUS_EVALUASI = "siklus_evaluasi"


def _actor(principal) -> str:
    return principal.nip or principal.subject


def ruleset_for(uow: SkpUnitOfWork, instansi_id: str, tahun: int) -> str:
    """The ruleset a document of ``instansi_id`` for ``tahun`` is made under (default ``pp46-2011``)."""
    found = uow.settings.get(RULESET, instansi_id, tahun)
    return (found.value if found else None) or rs.DEFAULT_RULESET


def _view(uow: SkpUnitOfWork, kind: str, value_column: str, instansi_id: str, key_column: str, key,
          default) -> dict:
    row = uow.settings.get(kind, instansi_id, key)
    return {"instansi_id": instansi_id, key_column: key, value_column: row.value if row else default,
            "is_set": row is not None, "version": row.version if row else 0,
            "updated_by": row.updated_by if row else "", "updated_at": row.updated_at if row else None,
            "history": uow.settings.history(kind, instansi_id, str(key))}


def _set(uow: SkpUnitOfWork, principal, kind: str, instansi_id: str, key, value: str, reason: str) -> None:
    """Write ``value`` under a row lock (a concurrent change waits, then sees this one) and audit old -> new."""
    row = uow.settings.lock(kind, instansi_id, key, value, _actor(principal))
    old = row.value if row.version > 0 else None
    if old == value:
        return  # already in force: nothing changes, nothing is audited
    uow.settings.change(kind, instansi_id, key, value, row.version + 1, _actor(principal))
    uow.settings.audit(kind, instansi_id, str(key), _actor(principal), old, value, reason)


# --- the ruleset per instansi and year ----------------------------------------------------------------------------


def get_ruleset_setting(uow: SkpUnitOfWork, principal, instansi_id: str, tahun: int) -> dict:
    rs.check_instansi(instansi_id)
    rs.check_tahun(tahun)
    policy.authorize_instansi("GetRulesetSetting", principal, instansi_id)
    return _ruleset_view(uow, instansi_id, tahun)


def _ruleset_view(uow: SkpUnitOfWork, instansi_id: str, tahun: int) -> dict:
    """The ruleset of the year with the periodic-evaluation cadence of the same year beside it."""
    view = _view(uow, RULESET, "ruleset", instansi_id, "tahun", tahun, rs.DEFAULT_RULESET)
    siklus = _view(uow, SIKLUS_EVALUASI, "siklus", instansi_id, "tahun", tahun, rs.DEFAULT_SIKLUS)
    return {**view, "siklus_evaluasi": siklus["siklus"], "siklus_is_set": siklus["is_set"],
            "siklus_history": siklus["history"]}


def set_ruleset_setting(uow: SkpUnitOfWork, principal, instansi_id: str, tahun: int, ruleset: str,
                        reason: str) -> dict:
    """Documents made from now on for that instansi and year take ``ruleset``; documents already made keep theirs."""
    rs.check_instansi(instansi_id)
    rs.check_tahun(tahun)
    rs.check_ruleset(ruleset)
    reason = rs.check_reason(reason)
    policy.authorize_instansi("SetRulesetSetting", principal, instansi_id)
    _set(uow, principal, RULESET, instansi_id, tahun, ruleset, reason)
    return _ruleset_view(uow, instansi_id, tahun)


# --- the periodic-evaluation cadence per instansi and year --------------------------------------------------------


def lock_siklus(uow: SkpUnitOfWork, instansi_id: str, tahun: int, *, shared: bool) -> None:
    """A transaction lock on (instansi, tahun): opening or rating a periodic evaluation takes it shared, a change of
    the cadence exclusive, so no evaluation of the old cadence slips in while the cadence changes."""
    uow.settings.hold(f"siklus:{instansi_id}:{tahun}", shared=shared)


def siklus_for(uow: SkpUnitOfWork, instansi_id: str, tahun: int) -> str:
    """The cadence of the periodic evaluation of ``instansi_id`` in ``tahun`` (default ``triwulanan``)."""
    found = uow.settings.get(SIKLUS_EVALUASI, instansi_id, tahun)
    return (found.value if found else None) or rs.DEFAULT_SIKLUS


def set_siklus_evaluasi(uow: SkpUnitOfWork, principal, instansi_id: str, tahun: int, siklus: str,
                        reason: str) -> dict:
    """**Decision**: the cadence of a year is fixed once a periodic evaluation (month or quarter) of that year exists
    in the instansi (FAILED_PRECONDITION): changing it would leave periods of two cadences in one year, which the
    curve and the SIASN export cannot compare. Setting the cadence already in force is always accepted."""
    rs.check_instansi(instansi_id)
    rs.check_tahun(tahun)
    rs.check_siklus(siklus)
    reason = rs.check_reason(reason)
    policy.authorize_instansi("SetSiklusEvaluasi", principal, instansi_id)
    lock_siklus(uow, instansi_id, tahun, shared=False)
    if siklus_for(uow, instansi_id, tahun) != siklus:
        count = uow.settings.periodic_evaluations(instansi_id, tahun)
        if count:
            raise FailedPrecondition(f"siklus evaluasi tahun {tahun} tidak dapat diubah: sudah ada {count} evaluasi "
                                     "periodik pada tahun itu", field="siklus_evaluasi", reason="SIKLUS_SUDAH_DIPAKAI")
    _set(uow, principal, SIKLUS_EVALUASI, instansi_id, tahun, siklus, reason)
    return _ruleset_view(uow, instansi_id, tahun)


# --- the organisation's predikat per period (6/2022 §4) -----------------------------------------------------------


def require_6_2022(uow: SkpUnitOfWork, instansi_id: str, periode: str) -> None:
    """The curve belongs to PermenPANRB 6/2022: a year appraised under PP 46/2011 has none."""
    tahun = rs.tahun_of(periode)
    if ruleset_for(uow, instansi_id, tahun) != rs.PERMENPANRB_6_2022:
        raise FailedPrecondition(f"instansi ini menilai tahun {tahun} dengan {rs.PP46}; predikat kinerja organisasi "
                                 f"dan kurva distribusi hanya untuk {rs.PERMENPANRB_6_2022}", field="periode",
                                 reason="RULESET_BUKAN_6_2022")


def get_predikat_organisasi(uow: SkpUnitOfWork, principal, instansi_id: str, periode: str) -> dict:
    rs.check_instansi(instansi_id)
    rs.check_periode(periode)
    policy.authorize_instansi("GetPredikatOrganisasi", principal, instansi_id)
    return _view(uow, PREDIKAT_ORGANISASI, "predikat", instansi_id, "periode", periode, "")


def set_predikat_organisasi(uow: SkpUnitOfWork, principal, instansi_id: str, periode: str, predikat: str,
                            reason: str) -> dict:
    rs.check_instansi(instansi_id)
    rs.check_periode(periode)
    value = rs.check_predikat_organisasi(predikat).value
    reason = rs.check_reason(reason)
    policy.authorize_instansi("SetPredikatOrganisasi", principal, instansi_id)
    require_6_2022(uow, instansi_id, periode)
    if predikat_organisasi_of(uow, instansi_id, periode) != value:  # the value in force may be set again
        check_not_final(uow, instansi_id, periode)
    _set(uow, principal, PREDIKAT_ORGANISASI, instansi_id, periode, value, reason)
    return _view(uow, PREDIKAT_ORGANISASI, "predikat", instansi_id, "periode", periode, "")


def predikat_organisasi_of(uow: SkpUnitOfWork, instansi_id: str, periode: str) -> str | None:
    found = uow.settings.get(PREDIKAT_ORGANISASI, instansi_id, periode)
    return found.value if found else None


# --- the finalisation of a period (6/2022 §4: the curve is checked before the results are final) ----------------


def lock_period(uow: SkpUnitOfWork, instansi_id: str, periode: str, *, shared: bool) -> None:
    """A transaction lock on (instansi, periode): ratings take it shared, the finalisation exclusive, so no rating
    slips into a spread while it is being finalised."""
    uow.settings.hold(f"distribusi:{instansi_id}:{periode}", shared=shared)


def finalisation_of(uow: SkpUnitOfWork, instansi_id: str, periode: str) -> dict | None:
    return uow.settings.finalisation(instansi_id, periode)


def check_not_final(uow: SkpUnitOfWork, instansi_id: str, periode: str) -> None:
    """A finalised period's spread is closed: no new rating, no other organisation predikat."""
    lock_period(uow, instansi_id, periode, shared=True)
    if finalisation_of(uow, instansi_id, periode) is not None:
        raise FailedPrecondition(f"hasil kinerja periode {periode} instansi ini sudah difinalkan oleh pejabat yang "
                                 "berwenang", field="periode", reason="PERIODE_SUDAH_FINAL")
