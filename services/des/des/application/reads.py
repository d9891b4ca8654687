"""des's reads: one activity, its evidence, a month's activities, one day at a glance (GetDay), the audit trail.

On the unit of work (GetDay's over an autocommit connection, `adapters.unit_of_work.reading`): unit-tested on fakes
in tests/unit/test_use_cases_reads.py.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import InvalidArgument, NotFound
from ekinerja_platform.pagination import page_request

from ..domain import activity as act
from . import access, parsing
from .access import DAY_TIME_ID, month_range
from .config import DesConfig
from .policy import Target, authorize
from .ports import AuditRecord, DesUnitOfWork, EvidenceFile


def _readable_entry(uow: DesUnitOfWork, rpc: str, principal, activity_id: str) -> dict:
    entry = uow.reports.entry(activity_id)
    if entry is None:
        raise NotFound("no such activity", field="activity_id")
    row = entry.view
    authorize(rpc, principal, access.read_target(uow.relations, principal,
                                                 Target(row["nip"], row["instansi_id"], row["penilai_nip"])))
    return row


def get_activity(uow: DesUnitOfWork, principal, activity_id: str) -> dict:
    return _readable_entry(uow, "GetActivity", principal, activity_id)


def get_evidence(uow: DesUnitOfWork, principal, activity_id: str) -> EvidenceFile | None:
    row = _readable_entry(uow, "GetEvidence", principal, activity_id)
    if row["evidence_id"] is None:
        raise NotFound("this activity has no evidence file", field="activity_id")
    return uow.reports.evidence(row["nip"], row["evidence_id"])


def list_activities(uow: DesUnitOfWork, principal, nip: str, bulan: str, state: str, cfg: DesConfig,
                    page_size: int = 0, page_token: str = "") -> tuple[list[dict], str]:
    """A page of the month's activities (tanggal, then entry order) and the next page's token."""
    tahun, b = parsing.month(bulan, "bulan", default=cfg.today())
    start, end = month_range(tahun, b)
    nip, target = access.target_for(uow.relations, principal, nip,
                                    min(end, cfg.today()) if start <= cfg.today() else end)
    if target.penilai_nip is None:
        skp = uow.relations.skp_for_date(nip, start)
        if skp:
            target = access.read_target(uow.relations, principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    authorize("ListActivities", principal, target)
    if state and state not in act.STATES:
        raise InvalidArgument(f"must be one of {', '.join(act.STATES)}", field="state")
    page = page_request(page_size, page_token, "des.ListActivities", nip, tahun, b, state, key=DAY_TIME_ID)
    rows = uow.reports.between(nip, start, end, state or None, page.after, page.size + 1)
    return page.split(rows, lambda r: (r["tanggal"], r["created_at"], r["activity_id"]))


def get_day(uow: DesUnitOfWork, principal, nip: str, tanggal: str, cfg: DesConfig) -> dict:
    """One employee-day at a glance, in one read with one authorisation: the day's plans and reports, and the
    month's targets of the SKP covering the day with what was reported and recognised against each (the portal's
    "Hari ini" once took three calls, each finding the SKP and authorising again)."""
    day = parsing.date(tanggal, "tanggal", default=cfg.today())
    nip, skp, target = access.skp_and_target(uow.relations, principal, nip, day)
    authorize("GetDay", principal, target)
    plans = uow.plans.between(nip, day, day)
    reports = uow.reports.between(nip, day, day)
    kegiatan = []
    if skp is not None:
        start, end = month_range(day.year, day.month)
        totals = uow.reports.month_totals(nip, skp.skp_id, start, end)
        kegiatan = [(t, *totals.get(t.kegiatan_id, (0, 0)))
                    for t in uow.reports.targets_of_month(nip, skp.skp_id, day.year, day.month)]
    return {"tanggal": day, "skp_id": skp.skp_id if skp is not None else "", "plans": plans, "activities": reports,
            "kegiatan": kegiatan}


def audit_trail(uow: DesUnitOfWork, principal, nip: str, entity_id: str, cfg: DesConfig, page_size: int = 0,
                page_token: str = "") -> tuple[list[AuditRecord], str]:
    """A page of the employee's audit records (oldest first) and the next page's token."""
    nip, target = access.target_for(uow.relations, principal, nip, cfg.today())
    authorize("GetAuditTrail", principal, target)
    page = page_request(page_size, page_token, "des.GetAuditTrail", nip, entity_id, key=(int,))
    return page.split(uow.audit.trail(nip, entity_id or None, page.after, page.size + 1),
                      lambda r: (r.audit_id,))
