"""Advice for an instansi's (or unit's) month: low achievement, positions without an SKP, review backlogs, target
load, work without a month target, achievement trending down, appraiser bias (`recap.domain.advice`), each
built from what the read port gives (`uow.reads`)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from ..domain import advice, compliance
from ..domain.periods import month_start, period_bounds
from . import policy, requests
from .ports import RecapReads, RecapUnitOfWork


def recommendations(uow: RecapUnitOfWork, principal, instansi_id: str, unit_id: str, tahun: int, bulan: int,
                    backlog_days: int, today: dt.date) -> list[advice.Advice]:
    """An operator (AGGREGATE) gets the advice about no one in particular."""
    instansi_id = requests.required(instansi_id or (principal.instansi_id or ""), "instansi_id")
    requests.month(tahun, bulan)
    backlog = requests.backlog_days(backlog_days)
    view = policy.authorize("GetRecommendations", principal, policy.Target(instansi_id=instansi_id))
    found = advise(uow.reads, instansi_id, unit_id or None, tahun, bulan, today, backlog)
    if view == policy.AGGREGATE:
        found = [a for a in found if not a.personal]
    return found


def advise(reads: RecapReads, instansi_id: str, unit_id: str | None, year: int, month: int, today: dt.date,
           backlog_days: int) -> list[advice.Advice]:
    day = dt.date(year, month, 1)
    start, end = period_bounds("month", day)
    nips, posts = reads.people(instansi_id, unit_id, start, end)
    pcts = reads.achievements(nips, "month", day)
    approved = reads.approved_positions(nips, start, end)
    found = reads.backlog(instansi_id, unit_id, today, backlog_days)
    return [*advice.low_achievement_units(_by_unit(nips, posts, pcts, start, end, today)),
            *advice.positions_without_skp(_positions(posts, approved, unit_id, start, end)),
            *advice.review_backlogs({f.nip: (f.count, f.age_days) for f in found}, backlog_days),
            *advice.target_load(_load(approved, pcts)),
            *advice.work_without_monthly_target(reads.work_without_target(nips, day)),
            *advice.trending_down(_series(reads, nips, day)),
            *advice.appraiser_bias(reads.appraisal_scores(instansi_id, unit_id, year))]


def _by_unit(nips, posts, pcts, start: dt.date, end: dt.date, today: dt.date) -> dict[str, list[Decimal]]:
    """Achievements by the unit each employee held in the month (on `today` within it, else the latest post)."""
    by_unit: dict[str, list[Decimal]] = defaultdict(list)
    for nip in nips:
        post = compliance.assignment_on(min(end, max(start, today)), posts[nip]) or \
            max(posts[nip], key=lambda s: s.start, default=None)
        value = pcts.get(nip)
        if post is not None and value is not None:
            by_unit[post.unit_id].append(value)
    return by_unit


def _positions(posts, approved, unit_id: str | None, start: dt.date,
               end: dt.date) -> dict[str, tuple[int, int]]:
    """jabatan -> (holders in the month, holders without an approved SKP for it)."""
    holders: dict[str, set[str]] = defaultdict(set)
    for nip, spans in posts.items():
        for span in spans:
            if span.start <= end and (span.end is None or span.end >= start) and span.jabatan_id and \
                    (not unit_id or span.unit_id == unit_id):
                holders[span.jabatan_id].add(nip)
    return {j: (len(h), sum(1 for n in h if (n, j) not in approved)) for j, h in holders.items()}


def _load(approved, pcts) -> dict[str, list[Decimal]]:
    ratios: dict[str, list[Decimal]] = defaultdict(list)
    for nip, jabatan in approved:
        value = pcts.get(nip)
        if value is not None and jabatan:
            ratios[jabatan].append(value)
    return ratios


def _series(reads: RecapReads, nips, day: dt.date) -> dict[str, list[Decimal | None]]:
    """Each employee's achievement in the month and the two before it."""
    months = [month_start(day, back) for back in (2, 1, 0)]  # calendar months: 31-day steps skip one
    series: dict[str, list[Decimal | None]] = {nip: [] for nip in nips}
    for month_day in months:
        values = reads.achievements(nips, "month", month_day)
        for nip in nips:
            series[nip].append(values.get(nip))
    return series
