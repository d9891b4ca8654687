"""An SKP's monthly targets as the employee adjusts them, and the penilai's monthly kualitas.

Still on a SQLAlchemy session (`NOT_YET_MODULES`, issue 17 items 1-2).
"""
from __future__ import annotations

from decimal import Decimal

from ekinerja_platform.domain_errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    quote,
)
from ekinerja_platform.outbox import Event, record_event

from ..adapters import repository as repo
from ..adapters import unit_of_work
from ..domain import targets
from . import monthly_targets, parsing
from .access import RULESET_622, locked_span
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .reads import read_target


def _skp_target(session, principal, rpc: str, nip: str, skp_id: str, cfg: DesConfig):
    nip = parsing.nip(nip) if nip else caller_nip(principal)
    skp = repo.skp_by_id(session, nip, skp_id) if skp_id else repo.skp_for_date(session, nip, cfg.today())
    if skp is None:
        raise NotFound("no such SKP for this employee", field="skp_id")
    authorize(rpc, principal, read_target(session, principal, Target(nip, skp.instansi_id, skp.penilai_nip)))
    return nip, skp


def get_monthly_targets(session, principal, nip: str, skp_id: str, cfg: DesConfig):
    nip, skp = _skp_target(session, principal, "GetMonthlyTargets", nip, skp_id, cfg)
    return skp.skp_id, repo.targets(session, nip, skp.skp_id)


def set_monthly_targets(session, principal, nip: str, skp_id: str, kegiatan_id: str,
                        proposed: list[tuple[str, str]], cfg: DesConfig):
    nip, skp = _skp_target(session, principal, "SetMonthlyTargets", nip, skp_id, cfg)
    if skp.ruleset == RULESET_622:
        raise FailedPrecondition("SKP PermenPANRB 6/2022 dievaluasi per periode dari IKI-nya, tanpa target bulanan",
                                 field="skp_id")
    kegiatan = {k.kegiatan_id: k for k in repo.kegiatan_rows(session, nip, skp.skp_id)}
    if kegiatan_id not in kegiatan:
        raise InvalidArgument(f"{quote(kegiatan_id)} is not a kegiatan of SKP {skp.skp_id}", field="kegiatan_id")
    values = {}
    for i, (bulan, kuantitas) in enumerate(proposed):
        month = parsing.month(bulan, f"targets[{i}].bulan")
        if month in values:
            raise InvalidArgument(f"{bulan} is given twice", field=f"targets[{i}].bulan")
        values[month] = parsing.decimal(kuantitas, f"targets[{i}].kuantitas")
    months = targets.months_between(skp.period_start, skp.period_end)
    values = targets.check_adjustment(kegiatan[kegiatan_id].kuantitas, months, values)
    current = {(r.tahun, r.bulan): r.kuantitas for r in repo.targets(session, nip, skp.skp_id)
               if r.kegiatan_id == kegiatan_id}
    for (y, m), q in values.items():
        lock = current.get((y, m)) != q and repo.active_lock(session, nip, *repo.month_range(y, m))
        if lock:
            raise FailedPrecondition(f"target {y:04d}-{m:02d} tidak dapat diubah: {locked_span(lock)} terkunci",
                                     field="targets", reason="PERIOD_LOCKED")
    repo.upsert_targets(session, nip, skp.skp_id, kegiatan_id, values, principal.nip)
    repo.audit(session, nip, "monthly_targets", f"{skp.skp_id}/{kegiatan_id}", "adjust", principal.nip,
               {f"{y:04d}-{m:02d}": str(q) for (y, m), q in current.items()},
               {f"{y:04d}-{m:02d}": str(q) for (y, m), q in values.items()})
    monthly_targets.publish(unit_of_work.in_session(session), nip, skp.skp_id)
    return skp.skp_id, repo.targets(session, nip, skp.skp_id)


def set_monthly_quality(session, principal, nip: str, skp_id: str, kegiatan_id: str, bulan: str, kualitas: str):
    nip = parsing.nip(nip)
    skp = repo.skp_by_id(session, nip, skp_id)
    if skp is None:
        raise NotFound("no such SKP for this employee", field="skp_id")
    authorize("SetMonthlyQuality", principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    tahun, b = parsing.month(bulan, "bulan")
    value = parsing.decimal(kualitas, "kualitas")
    if not Decimal(0) <= value <= Decimal(100) or value.as_tuple().exponent < -2:
        raise InvalidArgument("must be between 0 and 100 with at most 2 decimals", field="kualitas")
    row = session.execute(repo.sa.select(repo.monthly_targets_table()).where(*repo.target_key(
        nip, skp.skp_id, kegiatan_id, tahun, b)).with_for_update()).first()
    if row is None:
        raise NotFound(f"SKP {skp.skp_id} has no target for {quote(kegiatan_id)} in {bulan}", field="kegiatan_id")
    # no lock blocks the kualitas: a lock freezes the month's entries, the kualitas is the penilai's judgement of
    # them (issue 16.3: the penilai locks days as they go and still rates the month)
    session.execute(repo.monthly_targets_table().update().where(*repo.target_key(
        nip, skp.skp_id, kegiatan_id, tahun, b)).values(kualitas=value, updated_by=principal.nip,
                                                        updated_at=repo.sa.func.now()))
    repo.audit(session, nip, "monthly_quality", f"{skp.skp_id}/{kegiatan_id}/{bulan}", "set", principal.nip,
               {"kualitas": None if row.kualitas is None else str(row.kualitas)}, {"kualitas": str(value)})
    record_event(session, Event("monthly_quality_set", "des", {
        "skp_id": skp.skp_id, "nip": nip, "instansi_id": skp.instansi_id, "kegiatan_id": kegiatan_id,
        "tahun": tahun, "bulan": b, "kualitas": f"{value:.2f}"}, nip=nip, instansi_id=skp.instansi_id))
    return [r for r in repo.targets(session, nip, skp.skp_id)
            if r.kegiatan_id == kegiatan_id and (r.tahun, r.bulan) == (tahun, b)][0]

