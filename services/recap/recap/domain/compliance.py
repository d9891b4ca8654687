"""Compliance: who did not plan or report on a working day, whose entries wait too long for review.

Exclusions: an employee whose status on a date is not `aktif` (cuti, tugas belajar, diberhentikan sementara,
pensiun, …) owes neither plan nor report that date. The unit an employee is counted in on a date is the unit of the
assignment covering that date, so a mid-month move puts the first half in the old unit and the rest in the new one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .periods import parse_date, working_days

ACTIVE = "aktif"


@dataclass(frozen=True)
class StatusSpan:
    effective: dt.date
    end: dt.date | None
    old_status: str | None
    new_status: str
    order: str = ""  # the producer's timestamp: a later statement about the same date wins


@dataclass(frozen=True)
class AssignmentSpan:
    unit_id: str
    jabatan_id: str | None
    start: dt.date
    end: dt.date | None
    acting: bool = False
    penilai_nip: str | None = None


@dataclass(frozen=True)
class Finding:
    nip: str
    kind: str  # no_plan, no_report, review_backlog, skp_not_approved
    unit_id: str
    tanggal: dt.date | None = None
    count: int = 0
    age_days: int = 0


def status_on(day: dt.date, spans: list[StatusSpan], registered: str | None) -> str:
    covering = [s for s in spans if s.effective <= day and (s.end is None or day <= s.end)]
    if covering:
        return max(covering, key=lambda s: (s.effective, s.order)).new_status
    earlier = [s for s in spans if s.effective <= day]
    if earlier:  # a closed span ended: back to what it replaced
        return max(earlier, key=lambda s: (s.effective, s.order)).old_status or ACTIVE
    later = [s for s in spans if s.effective > day]
    if later:
        return min(later, key=lambda s: (s.effective, s.order)).old_status or ACTIVE
    return registered or ACTIVE


def assignment_on(day: dt.date, spans: list[AssignmentSpan]) -> AssignmentSpan | None:
    covering = [s for s in spans if s.start <= day and (s.end is None or day <= s.end)]
    if not covering:
        return None
    # a definitive post counts before an acting one (Plt/Plh)
    return sorted(covering, key=lambda s: (s.acting, -s.start.toordinal(), s.unit_id))[0]


def employee_days(start: dt.date, end: dt.date, holidays, status_spans, registered, assignments):
    """[(date, unit_id)] the employee owes a plan and a report for."""
    out = []
    for day in working_days(start, end, holidays):
        if status_on(day, status_spans, registered) != ACTIVE:
            continue
        post = assignment_on(day, assignments)
        if post is not None:
            out.append((day, post.unit_id))
    return out


def daily_findings(nip: str, owed: list, plan_days: set, report_days: set) -> list[Finding]:
    out = []
    for day, unit_id in owed:
        if day not in plan_days:
            out.append(Finding(nip, "no_plan", unit_id, day))
        if day not in report_days:
            out.append(Finding(nip, "no_report", unit_id, day))
    return out


def age_days(submitted_at, as_of: dt.date) -> int:
    if submitted_at is None:
        return 0
    return max(0, (as_of - parse_date(submitted_at)).days)


def backlog_findings(pending: list[tuple[str, str, object]], as_of: dt.date, max_days: int) -> list[Finding]:
    """pending: [(penilai_nip, unit_id, submitted_at)] → one finding per penilai with entries older than max_days."""
    per_penilai: dict[tuple[str, str], list[int]] = {}
    for penilai, unit_id, submitted_at in pending:
        age = age_days(submitted_at, as_of)
        if age > max_days and penilai:
            per_penilai.setdefault((penilai, unit_id or ""), []).append(age)
    return [Finding(penilai, "review_backlog", unit_id, None, len(ages), max(ages))
            for (penilai, unit_id), ages in sorted(per_penilai.items())]
