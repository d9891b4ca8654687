"""Daily plans (rencana): submit one for a kegiatan of the approved SKP, list a month's.

On the unit of work (issue 17 items 1-2): unit-tested on fakes in tests/unit/test_plans.py.
"""
from __future__ import annotations

import uuid

from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_platform.pagination import page_request

from ..domain import entry_window
from ..domain import satuan as units
from . import events, parsing
from .access import DAY_TIME_ID, check_context, month_range, target_for
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .ports import DesUnitOfWork


def submit_plan(uow: DesUnitOfWork, principal, tanggal: str, kegiatan_id: str, uraian: str, kuantitas: str,
                satuan: str, cfg: DesConfig) -> dict:
    """A plan for today or a later day, for a kegiatan of the SKP covering it (in the kegiatan's satuan), with its
    audit record and its `plan_submitted` event."""
    nip = caller_nip(principal)
    today = cfg.today()
    day = parsing.date(tanggal, "tanggal", default=today)
    entry_window.check_plan_date(day, today)
    if not kegiatan_id:
        raise InvalidArgument("a plan names the kegiatan it serves", field="kegiatan_id")
    ctx = check_context(uow.plans.entry_context(nip, day, kegiatan_id), day, kegiatan_id)
    authorize("SubmitPlan", principal, Target(nip, ctx.instansi_id, ctx.penilai_nip))
    if not uraian or not uraian.strip():
        raise InvalidArgument("must not be empty", field="uraian")
    q = parsing.decimal(kuantitas, "kuantitas")
    if q <= 0 or parsing.places(q) > 2:
        raise InvalidArgument("must be greater than 0 with at most 2 decimals", field="kuantitas")
    plan = dict(nip=nip, plan_id=uuid.uuid4(), tanggal=day, instansi_id=ctx.instansi_id, unit_id=ctx.unit_id,
                skp_id=ctx.skp_id, kegiatan_id=kegiatan_id, uraian=uraian.strip(), kuantitas=q,
                satuan=units.check(satuan, ctx.kegiatan_satuan))
    uow.plans.add(plan)
    uow.audit.record(nip, "plan", str(plan["plan_id"]), "create", nip, None, {k: str(v) for k, v in plan.items()})
    uow.record(events.plan_submitted(plan))
    return {**plan, "nomor": ctx.kegiatan_nomor}


def list_plans(uow: DesUnitOfWork, principal, nip: str, bulan: str, cfg: DesConfig, page_size: int = 0,
               page_token: str = "") -> tuple[list[dict], str]:
    """A page of the month's plans and the next page's token; authorised against the SKP of the month's first
    day, else of today."""
    tahun, b = parsing.month(bulan, "bulan", default=cfg.today())
    start, end = month_range(tahun, b)
    nip, target = target_for(uow.relations, principal, nip, start)
    if target.penilai_nip is None:
        _, target = target_for(uow.relations, principal, nip, cfg.today())
    authorize("ListPlans", principal, target)
    page = page_request(page_size, page_token, "des.ListPlans", nip, tahun, b, key=DAY_TIME_ID)
    return page.split(uow.plans.between(nip, start, end, page.after, page.size + 1),
                      lambda r: (r["tanggal"], r["created_at"], r["plan_id"]))
