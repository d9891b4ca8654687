"""des's reads: one activity, its evidence, a month's activities, one day at a glance (GetDay), the audit trail.

Still on a SQLAlchemy session (`NOT_YET_MODULES`, issue 17 items 1-2).
"""
from __future__ import annotations

import datetime as dt

from ekinerja_platform.domain_errors import (
    InvalidArgument,
    NotFound,
)
from ekinerja_platform.pagination import page_request

from ..adapters import repository as repo
from ..adapters.relations import SqlRelations
from ..domain import activity as act
from . import access, parsing
from .access import DAY_TIME_ID
from .activities import row_view
from .config import DesConfig
from .policy import Target, authorize


def read_target(session, principal, target: Target) -> Target:
    return access.read_target(SqlRelations(session), principal, target)


def get_activity(session, principal, activity_id: str) -> dict:
    row = repo.activity_row(session, activity_id)
    if row is None:
        raise NotFound("no such activity", field="activity_id")
    authorize("GetActivity", principal, read_target(session, principal, Target(row.nip, row.instansi_id,
                                                                               row.penilai_nip)))
    return row_view(row)


def get_evidence(session, principal, activity_id: str):
    row = repo.activity_row(session, activity_id)
    if row is None:
        raise NotFound("no such activity", field="activity_id")
    authorize("GetEvidence", principal, read_target(session, principal, Target(row.nip, row.instansi_id,
                                                                               row.penilai_nip)))
    if row.evidence_id is None:
        raise NotFound("this activity has no evidence file", field="activity_id")
    return repo.evidence(session, row.nip, row.evidence_id)


def _skp_and_target(session, principal, nip: str, on: dt.date):
    return access.skp_and_target(SqlRelations(session), principal, nip, on)


def target_for(session, principal, nip: str, on: dt.date) -> tuple[str, Target]:
    return access.target_for(SqlRelations(session), principal, nip, on)


def list_activities(session, principal, nip: str, bulan: str, state: str, cfg: DesConfig, page_size: int = 0,
                    page_token: str = "") -> tuple[list[dict], str]:
    """A page of the month's activities (tanggal, then entry order) and the next page's token."""
    tahun, b = parsing.month(bulan, "bulan", default=cfg.today())
    start, end = repo.month_range(tahun, b)
    nip, target = target_for(session, principal, nip, min(end, cfg.today()) if start <= cfg.today() else end)
    if target.penilai_nip is None:
        skp = repo.skp_for_date(session, nip, start)
        if skp:
            target = read_target(session, principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    authorize("ListActivities", principal, target)
    if state and state not in act.STATES:
        raise InvalidArgument(f"must be one of {', '.join(act.STATES)}", field="state")
    page = page_request(page_size, page_token, "des.ListActivities", nip, tahun, b, state, key=DAY_TIME_ID)
    rows, token = page.split(repo.list_activities(session, nip, start, end, state or None, page.after,
                                                  page.size + 1), lambda r: (r.tanggal, r.created_at, r.activity_id))
    return [row_view(r) for r in rows], token


def get_day(session, principal, nip: str, tanggal: str, cfg: DesConfig) -> dict:
    """One employee-day at a glance, in one transaction with one authorisation: the day's plans and reports, and
    the month's targets of the SKP covering the day with what was reported and recognised against each (the
    portal's "Hari ini" once took three calls, each finding the SKP and authorising again)."""
    day = parsing.date(tanggal, "tanggal", default=cfg.today())
    nip, skp, target = _skp_and_target(session, principal, nip, day)
    authorize("GetDay", principal, target)
    plans = [dict(r._mapping) for r in repo.list_plans(session, nip, day, day)]
    reports = [row_view(r) for r in repo.list_activities(session, nip, day, day)]
    kegiatan = []
    if skp is not None:
        start, end = repo.month_range(day.year, day.month)
        totals = repo.month_totals(session, nip, skp.skp_id, start, end)
        kegiatan = [(t, *totals.get(t.kegiatan_id, (0, 0)))
                    for t in repo.targets(session, nip, skp.skp_id, (day.year, day.month))]
    return {"tanggal": day, "skp_id": skp.skp_id if skp is not None else "", "plans": plans, "activities": reports,
            "kegiatan": kegiatan}


def audit_trail(session, principal, nip: str, entity_id: str, cfg: DesConfig, page_size: int = 0,
                page_token: str = ""):
    """A page of the employee's audit records (oldest first) and the next page's token."""
    nip, target = target_for(session, principal, nip, cfg.today())
    authorize("GetAuditTrail", principal, target)
    page = page_request(page_size, page_token, "des.GetAuditTrail", nip, entity_id, key=(int,))
    return page.split(repo.audit_records(session, nip, entity_id or None, page.after, page.size + 1),
                      lambda r: (r.audit_id,))

