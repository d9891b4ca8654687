"""Daily plans (rencana): submit one for a kegiatan of the approved SKP, list a month's.

Still on a SQLAlchemy session (`NOT_YET_MODULES`, issue 17 items 1-2).
"""
from __future__ import annotations

import uuid

from ekinerja_platform.domain_errors import (
    InvalidArgument,
)
from ekinerja_platform.outbox import record_event
from ekinerja_platform.pagination import page_request

from ..adapters import repository as repo
from ..domain import entry_window
from ..domain import satuan as units
from . import events, parsing
from .activities import entry_context
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .reads import DAY_TIME_ID, target_for


def submit_plan(session, principal, tanggal: str, kegiatan_id: str, uraian: str, kuantitas: str, satuan: str,
                cfg: DesConfig) -> dict:
    nip = caller_nip(principal)
    today = cfg.today()
    day = parsing.date(tanggal, "tanggal", default=today)
    entry_window.check_plan_date(day, today)
    if not kegiatan_id:
        raise InvalidArgument("a plan names the kegiatan it serves", field="kegiatan_id")
    ctx = entry_context(session, nip, day, kegiatan_id)
    authorize("SubmitPlan", principal, Target(nip, ctx.instansi_id, ctx.penilai_nip))
    if not uraian or not uraian.strip():
        raise InvalidArgument("must not be empty", field="uraian")
    q = parsing.decimal(kuantitas, "kuantitas")
    if q <= 0 or q.as_tuple().exponent < -2:
        raise InvalidArgument("must be greater than 0 with at most 2 decimals", field="kuantitas")
    plan = dict(nip=nip, plan_id=uuid.uuid4(), tanggal=day, instansi_id=ctx.instansi_id, unit_id=ctx.unit_id,
                skp_id=ctx.skp_id, kegiatan_id=kegiatan_id, uraian=uraian.strip(), kuantitas=q,
                satuan=units.check(satuan, ctx.kegiatan_satuan))
    repo.insert_plan(session, **plan)
    repo.audit(session, nip, "plan", str(plan["plan_id"]), "create", nip, None,
               {k: str(v) for k, v in plan.items()})
    record_event(session, events.plan_submitted(plan))
    return {**plan, "nomor": ctx.kegiatan_nomor}


def list_plans(session, principal, nip: str, bulan: str, cfg: DesConfig, page_size: int = 0,
               page_token: str = "") -> tuple[list[dict], str]:
    tahun, b = parsing.month(bulan, "bulan", default=cfg.today())
    start, end = repo.month_range(tahun, b)
    nip, target = target_for(session, principal, nip, start)
    if target.penilai_nip is None:
        _, target = target_for(session, principal, nip, cfg.today())
    authorize("ListPlans", principal, target)
    page = page_request(page_size, page_token, "des.ListPlans", nip, tahun, b, key=DAY_TIME_ID)
    rows, token = page.split(repo.list_plans(session, nip, start, end, page.after, page.size + 1),
                             lambda r: (r.tanggal, r.created_at, r.plan_id))
    return [dict(r._mapping) for r in rows], token

