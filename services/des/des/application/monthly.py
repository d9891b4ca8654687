"""An SKP's monthly targets as the employee adjusts them, and the penilai's monthly kualitas.

On the unit of work (issue 17 items 1-2): unit-tested on fakes in tests/unit/test_monthly.py.
"""
from __future__ import annotations

from decimal import Decimal

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, quote

from ..domain import targets
from . import events, monthly_targets, parsing
from .access import RULESET_622, locked_span, month_range, read_target
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .ports import DesUnitOfWork, SkpHeader, TargetRow


def _skp_target(uow: DesUnitOfWork, principal, rpc: str, nip: str, skp_id: str,
                cfg: DesConfig) -> tuple[str, SkpHeader]:
    """The employee (the caller when `nip` is empty) and the SKP named (else today's), authorised for `rpc`."""
    nip = parsing.nip(nip) if nip else caller_nip(principal)
    skp = uow.targets.document(nip, skp_id) if skp_id else uow.targets.covering(nip, cfg.today())
    if skp is None:
        raise NotFound("no such SKP for this employee", field="skp_id")
    authorize(rpc, principal, read_target(uow.relations, principal, Target(nip, skp.instansi_id, skp.penilai_nip)))
    return nip, skp


def get_monthly_targets(uow: DesUnitOfWork, principal, nip: str, skp_id: str,
                        cfg: DesConfig) -> tuple[str, list[TargetRow]]:
    nip, skp = _skp_target(uow, principal, "GetMonthlyTargets", nip, skp_id, cfg)
    return skp.skp_id, uow.targets.rows(nip, skp.skp_id)


def _proposed(proposed: list[tuple[str, str]]) -> dict[tuple[int, int], Decimal]:
    values: dict[tuple[int, int], Decimal] = {}
    for i, (bulan, kuantitas) in enumerate(proposed):
        month = parsing.month(bulan, f"targets[{i}].bulan")
        if month in values:
            raise InvalidArgument(f"{bulan} is given twice", field=f"targets[{i}].bulan")
        values[month] = parsing.decimal(kuantitas, f"targets[{i}].kuantitas")
    return values


def set_monthly_targets(uow: DesUnitOfWork, principal, nip: str, skp_id: str, kegiatan_id: str,
                        proposed: list[tuple[str, str]], cfg: DesConfig) -> tuple[str, list[TargetRow]]:
    """Replace one kegiatan's monthly split (it must add up to the yearly target, months of the period only; a
    locked month keeps its value), with its audit record and the document's new `monthly_targets_set`."""
    nip, skp = _skp_target(uow, principal, "SetMonthlyTargets", nip, skp_id, cfg)
    if skp.ruleset == RULESET_622:
        raise FailedPrecondition("SKP PermenPANRB 6/2022 dievaluasi per periode dari IKI-nya, tanpa target bulanan",
                                 field="skp_id")
    kegiatan = {k.kegiatan_id: k for k in uow.targets.kegiatan(nip, skp.skp_id)}
    if kegiatan_id not in kegiatan:
        raise InvalidArgument(f"{quote(kegiatan_id)} is not a kegiatan of SKP {skp.skp_id}", field="kegiatan_id")
    months = targets.months_between(skp.period_start, skp.period_end)
    values = targets.check_adjustment(kegiatan[kegiatan_id].kuantitas, months, _proposed(proposed))
    current = dict(sorted(uow.targets.of_kegiatan(nip, skp.skp_id, kegiatan_id).items()))
    for (y, m), q in values.items():
        lock = current.get((y, m)) != q and uow.locks.active(nip, *month_range(y, m))
        if lock:
            raise FailedPrecondition(f"target {y:04d}-{m:02d} tidak dapat diubah: {locked_span(lock)} terkunci",
                                     field="targets", reason="PERIOD_LOCKED")
    uow.targets.set(nip, skp.skp_id, kegiatan_id, values, principal.nip)
    uow.audit.record(nip, "monthly_targets", f"{skp.skp_id}/{kegiatan_id}", "adjust", principal.nip,
                     {f"{y:04d}-{m:02d}": str(q) for (y, m), q in current.items()},
                     {f"{y:04d}-{m:02d}": str(q) for (y, m), q in values.items()})
    monthly_targets.publish(uow, nip, skp.skp_id)
    return skp.skp_id, uow.targets.rows(nip, skp.skp_id)


def set_monthly_quality(uow: DesUnitOfWork, principal, nip: str, skp_id: str, kegiatan_id: str, bulan: str,
                        kualitas: str) -> TargetRow:
    """The penilai's kualitas of one kegiatan-month (0-100, 2 decimals), with its audit record and event."""
    nip = parsing.nip(nip)
    skp = uow.targets.document(nip, skp_id)
    if skp is None:
        raise NotFound("no such SKP for this employee", field="skp_id")
    authorize("SetMonthlyQuality", principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    tahun, b = parsing.month(bulan, "bulan")
    value = parsing.decimal(kualitas, "kualitas")
    if not Decimal(0) <= value <= Decimal(100) or parsing.places(value) > 2:
        raise InvalidArgument("must be between 0 and 100 with at most 2 decimals", field="kualitas")
    row = uow.targets.month_for_update(nip, skp.skp_id, kegiatan_id, tahun, b)
    if row is None:
        raise NotFound(f"SKP {skp.skp_id} has no target for {quote(kegiatan_id)} in {bulan}", field="kegiatan_id")
    # no lock blocks the kualitas: a lock freezes the month's entries, the kualitas is the penilai's judgement of
    # them (issue 16.3: the penilai locks days as they go and still rates the month)
    uow.targets.set_quality(nip, skp.skp_id, kegiatan_id, tahun, b, value, principal.nip)
    uow.audit.record(nip, "monthly_quality", f"{skp.skp_id}/{kegiatan_id}/{bulan}", "set", principal.nip,
                     {"kualitas": None if row.kualitas is None else str(row.kualitas)}, {"kualitas": str(value)})
    uow.record(events.monthly_quality_set(nip, skp, kegiatan_id, tahun, b, value))
    return [r for r in uow.targets.rows(nip, skp.skp_id)
            if r.kegiatan_id == kegiatan_id and (r.tahun, r.bulan) == (tahun, b)][0]
