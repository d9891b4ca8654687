"""recap's read port on PostgreSQL (`application.ports.RecapReads`): recaps, non-compliance and what the
recommendations are built from, computed from recap's own tables.

Counters are read, never recounted from activities: a unit's month is one indexed range of `employee_counters`.
The module's functions take a session (tests call them directly); `SqlRecapReads` binds them to the unit of work's.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from ..application import ports
from ..domain import achievement, compliance, projection
from ..domain.achievement import show
from ..domain.lines import ZERO_COUNTERS, Line, total_of
from ..domain.periods import period_bounds, period_key
from ..domain.projection import COUNTERS
from . import tables as t

__all__ = ["ZERO_COUNTERS", "Line", "SqlRecapReads", "total_of"]


def _any(column, values):
    """`column = ANY(:array)`: one bound parameter however many values (cheaper than IN with 1000 parameters)."""
    return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(sa.Text)))


def _counter_row(row) -> dict:
    return {name: getattr(row, name) for name in COUNTERS}


def _overlap(table, start, end, start_col="start_date", end_col="end_date"):
    return sa.and_(table.c[start_col] <= end, sa.or_(table.c[end_col].is_(None), table.c[end_col] >= start))


# -- building blocks ---------------------------------------------------------------------------------------------

def targets_of(session, nips, start: dt.date, end: dt.date) -> dict[str, list[achievement.Target]]:
    """Approved SKP kegiatan of these employees whose SKP period overlaps [start, end]."""
    out: dict[str, list[achievement.Target]] = defaultdict(list)
    if not nips:
        return out
    rows = session.execute(
        sa.select(t.skps.c.nip, t.skps.c.skp_id, t.skps.c.period_start, t.skps.c.period_end,
                  t.skp_kegiatan.c.kegiatan_id, t.skp_kegiatan.c.kuantitas)
        .join(t.skp_kegiatan, t.skp_kegiatan.c.skp_id == t.skps.c.skp_id)
        .where(_any(t.skps.c.nip, nips), t.skps.c.version >= 0, t.skps.c.period_start <= end,
               t.skps.c.period_end >= start))
    rows = rows.all()
    months: dict[tuple[str, str], dict] = defaultdict(dict)
    if rows:
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        for m in session.execute(sa.select(t.monthly_targets).where(
                _any(t.monthly_targets.c.nip, nips), t.monthly_targets.c.period_key.between(first, last))):
            months[(m.skp_id, m.kegiatan_id)][(int(m.period_key[:4]), int(m.period_key[5:]))] = Decimal(m.kuantitas)
    for row in rows:
        out[row.nip].append(achievement.Target(row.skp_id, row.kegiatan_id, Decimal(row.kuantitas),
                                               row.period_start, row.period_end,
                                               months.get((row.skp_id, row.kegiatan_id), {})))
    return out


def achievements(session, nips, kind: str, day: dt.date) -> dict[str, Decimal | None]:
    """Each employee's achievement % for the month or year containing `day` (absent: no target), read from the
    maintained `employee_achievement` (one indexed range, no computation at query time)."""
    if kind not in ("month", "year") or not nips:
        return {}
    table = t.employee_achievement
    return dict(session.execute(sa.select(table.c.nip, table.c.achievement).where(
        _any(table.c.nip, nips), table.c.kind == kind, table.c.period_key == period_key(kind, day))).all())


def computed_achievements(session, nips, kind: str, day: dt.date) -> dict[str, Decimal | None]:
    """The same numbers computed from targets and kegiatan counters with `recap.domain.achievement` (the
    reference the maintained table is tested against)."""
    if kind not in ("month", "year") or not nips:
        return {}
    start, end = period_bounds(kind, day)
    targets = targets_of(session, nips, start, end)
    realised: dict[str, dict] = defaultdict(dict)
    column = t.kegiatan_counters.c.recognised_qty if kind == "month" else t.kegiatan_counters.c.recognised_qty_final
    for row in session.execute(sa.select(t.kegiatan_counters.c.nip, t.kegiatan_counters.c.skp_id,
                                         t.kegiatan_counters.c.kegiatan_id, column.label("qty"))
                               .where(_any(t.kegiatan_counters.c.nip, nips), t.kegiatan_counters.c.kind == kind,
                                      t.kegiatan_counters.c.period_key == period_key(kind, day))):
        realised[row.nip][(row.skp_id, row.kegiatan_id)] = Decimal(row.qty)
    out = {}
    for nip in nips:
        if kind == "month":
            out[nip] = achievement.monthly_achievement(targets.get(nip, []), realised[nip], day.year, day.month)
        else:
            out[nip] = achievement.yearly_achievement(targets.get(nip, []), realised[nip], day.year)
    return out


def oldest_pending(session, nips, start: dt.date, end: dt.date, as_of: dt.date) -> dict[str, int]:
    if not nips:
        return {}
    rows = session.execute(sa.select(t.activities.c.nip, sa.func.min(t.activities.c.submitted_at))
                           .where(_any(t.activities.c.nip, nips), t.activities.c.status == "submitted",
                                  sa.not_(t.activities.c.locked), t.activities.c.tanggal.between(start, end))
                           .group_by(t.activities.c.nip))
    return {nip: compliance.age_days(oldest, as_of) for nip, oldest in rows}


def names_of(session, nips) -> dict[str, str]:
    if not nips:
        return {}
    return dict(session.execute(sa.select(t.employees.c.nip, t.employees.c.nama)
                                .where(_any(t.employees.c.nip, nips))).all())


def _finish(lines, kind, day, session, today):
    nips = [line.key for line in lines]
    start, end = period_bounds(kind, day)
    pcts = achievements(session, nips, kind, day)
    ages = oldest_pending(session, nips, start, end, today)
    names = names_of(session, nips)
    for line in lines:
        line.achievement = pcts.get(line.key)
        line.oldest_pending_days = ages.get(line.key, 0)
        line.nama = names.get(line.key, "") or ""
    return lines


# -- recaps ------------------------------------------------------------------------------------------------------

def employee_recap(session, nip: str, kind: str, day: dt.date, today: dt.date):
    start, end = period_bounds(kind, day)
    key = period_key(kind, day)
    by_unit = []
    for row in session.execute(sa.select(t.employee_counters).where(
            t.employee_counters.c.nip == nip, t.employee_counters.c.kind == kind,
            t.employee_counters.c.period_key == key).order_by(t.employee_counters.c.unit_id)):
        line = Line(nip, unit_id=row.unit_id)
        line.add(_counter_row(row))
        by_unit.append(line)
    total = Line(nip)
    for line in by_unit:
        total.add(line.counters)
    _finish([total], kind, day, session, today)
    kegiatan = kegiatan_lines(session, nip, kind, day)
    return {"nip": nip, "nama": total.nama, "period_key": key, "start": start, "end": end, "total": total,
            "by_unit": by_unit, "kegiatan": kegiatan, "evaluasi": evaluasi_periodik(session, nip, start, end)}


def evaluasi_periodik(session, nip: str, start: dt.date, end: dt.date) -> list[dict]:
    """The employee's rated 6/2022 periods overlapping ``start .. end`` (the month, quarter and year a day is in)."""
    e = t.evaluasi_periodik
    return [dict(r._mapping) for r in session.execute(
        sa.select(e).where(e.c.nip == nip, e.c.period_start <= end, e.c.period_end >= start)
        .order_by(e.c.period_start, e.c.period_end, e.c.skp_id))]


def _counted(session, nip: str, kind: str, day: dt.date) -> dict[tuple[str, str], dict]:
    """{(skp_id, kegiatan_id): counters} of the period: kept counters for a month or year; for a day or a week the
    employee's own facts of those days, summed at query time (at most a week of one employee's entries)."""
    if kind in projection.KEGIATAN_PERIODS:
        return {(r.skp_id, r.kegiatan_id): dict(r._mapping) for r in session.execute(
            sa.select(t.kegiatan_counters).where(
                t.kegiatan_counters.c.nip == nip, t.kegiatan_counters.c.kind == kind,
                t.kegiatan_counters.c.period_key == period_key(kind, day)))}
    start, end = period_bounds(kind, day)
    facts = [("plan", state) for state in session.execute(sa.select(t.plans.c.state).where(
        t.plans.c.nip == nip, t.plans.c.tanggal.between(start, end))).scalars()]
    facts += [("activity", state) for state in session.execute(sa.select(t.activities.c.state).where(
        t.activities.c.nip == nip, t.activities.c.tanggal.between(start, end))).scalars()]
    return projection.kegiatan_totals(facts)


def kegiatan_lines(session, nip: str, kind: str, day: dt.date) -> list[dict]:
    """Per kegiatan: planned, reported and approved (recognised) in the period; for a month against des's month
    target, for a year against the SKP quantity; a day or a week compares plan with report only (no target)."""
    start, end = period_bounds(kind, day)
    targets = targets_of(session, [nip], start, end).get(nip, []) if kind in ("month", "year") else []
    counted = _counted(session, nip, kind, day)
    keys = {tg.skp_id for tg in targets} | {k[0] for k in counted}
    names = {(r.skp_id, r.kegiatan_id): (r.nama, r.satuan) for r in session.execute(
        sa.select(t.skp_kegiatan.c.skp_id, t.skp_kegiatan.c.kegiatan_id, t.skp_kegiatan.c.nama,
                  t.skp_kegiatan.c.satuan).where(t.skp_kegiatan.c.skp_id.in_(keys)))}
    quality = {(r.skp_id, r.kegiatan_id): r.kualitas for r in session.execute(sa.select(t.monthly_quality).where(
        t.monthly_quality.c.nip == nip, t.monthly_quality.c.tahun == day.year,
        t.monthly_quality.c.bulan == day.month))} if kind == "month" else {}
    rated_in_year = set(session.execute(sa.select(t.monthly_quality.c.skp_id, t.monthly_quality.c.kegiatan_id).where(
        t.monthly_quality.c.nip == nip, t.monthly_quality.c.tahun == day.year)).all()) if kind == "year" else set()
    out = []
    by_key = {(tg.skp_id, tg.kegiatan_id): tg for tg in targets
              if kind == "year" or tg.covers_month(day.year, day.month)}
    for key in sorted(set(by_key) | set(counted)):
        target = by_key.get(key)
        row = counted.get(key) or {}
        def qty(name, row=row):
            return Decimal(row.get(name) or 0)
        recognised = qty("recognised_qty" if kind != "year" else "recognised_qty_final")
        target_qty = None
        if target is not None:
            target_qty = target.monthly(day.year, day.month) if kind == "month" else target.kuantitas
        nama, satuan = names.get(key, ("", ""))
        out.append({"skp_id": key[0], "kegiatan_id": key[1], "nama": nama or "", "satuan": satuan or "",
                    "target_qty": target_qty, "planned_qty": qty("planned_qty"), "reported_qty": qty("reported_qty"),
                    "recognised_qty": recognised, "plans": int(row.get("plans") or 0),
                    "reported": int(row.get("reported") or 0), "approved": int(row.get("approved") or 0),
                    "achievement": achievement.pct(recognised, target_qty),
                    "status": achievement.kegiatan_status(target_qty, qty("reported_qty"), recognised)
                    if kind in ("month", "year") else "",
                    "kualitas": quality.get(key),
                    # approved work the penilai has not rated: never silently a kualitas of 0 (issue 16.3)
                    "kualitas_belum_dinilai": recognised > 0 and (
                        (kind == "month" and quality.get(key) is None)
                        or (kind == "year" and key not in rated_in_year))})
    return out


def _subtree(unit_id: str, start: dt.date, end: dt.date):
    """The unit and the units below it: those of everyone whose chain has a head holding a position in the unit
    during the period (identity's `heads`), so a Kepala Dinas's unit recap covers its bidang and seksi. The unit's
    holders first (`assignments_unit`), then whoever has one of them among their heads (the GIN index on `heads`):
    neither step reads the country's assignments."""
    a, holder = t.assignments.alias("member"), t.assignments.alias("holder")
    holders = sa.select(holder.c.nip).where(holder.c.unit_id == unit_id, _overlap(holder, start, end))
    below = sa.select(a.c.unit_id).where(a.c.heads.overlap(sa.func.array(holders.scalar_subquery())),
                                         _overlap(a, start, end), a.c.unit_id.is_not(None))
    return sa.union(sa.select(sa.literal(unit_id)), below)


def unit_subtree(unit_id: str, start: dt.date, end: dt.date):
    """`_subtree` as a subquery, for a statement that reads one table by it."""
    return _subtree(unit_id, start, end).scalar_subquery()


def subtree_units(session, unit_id: str, start: dt.date, end: dt.date) -> list[str]:
    """`_subtree`'s unit ids, read first: the statements after it then name a few units the planner can see, and
    reach the counters by their primary key (unit, kind, period) instead of every counter row of the period."""
    return list(session.execute(_subtree(unit_id, start, end)).scalars())


def unit_members(session, unit_id: str, kind: str, day: dt.date):
    """Counter rows of the unit and the units below it for the period, plus employees assigned to them then who
    have no counters."""
    start, end = period_bounds(kind, day)
    units = subtree_units(session, unit_id, start, end)
    lines: dict[str, Line] = {}
    for row in session.execute(sa.select(t.employee_counters).where(
            _any(t.employee_counters.c.unit_id, units), t.employee_counters.c.kind == kind,
            t.employee_counters.c.period_key == period_key(kind, day))):
        lines.setdefault(row.nip, Line(row.nip, unit_id=row.unit_id)).add(_counter_row(row))
    for nip, member_unit in session.execute(sa.select(t.assignments.c.nip, t.assignments.c.unit_id).where(
            _any(t.assignments.c.unit_id, units), _overlap(t.assignments, start, end))).all():
        lines.setdefault(nip, Line(nip, unit_id=member_unit))
    return lines


def unit_recap(session, unit_id: str, kind: str, day: dt.date, today: dt.date, visible: set | None = None):
    lines = unit_members(session, unit_id, kind, day)
    if visible is not None:
        lines = {nip: line for nip, line in lines.items() if nip in visible}
    rows = _finish([lines[nip] for nip in sorted(lines)], kind, day, session, today)
    nama = session.execute(sa.select(t.units.c.nama).where(t.units.c.unit_id == unit_id)).scalar() or ""
    return {"unit_id": unit_id, "unit_nama": nama, "period_key": period_key(kind, day), "rows": rows,
            "total": total_of(rows)}


# One statement for a page of `GetUnitRecap`: the members (counters summed per employee over the unit subtree, plus
# those assigned without counters), their names, maintained achievement and oldest pending age, the decimals already
# formatted as the API shows them (`round(x, 2)`: half away from zero, which is `show`'s ROUND_HALF_UP for every
# sign), and after the page one total row over every member. The oldest pending age stays the employee's whole
# period (every unit, as `oldest_pending`), one probe of the partial index `activities_pending_nip` per member.
# Name and achievement are one primary-key probe per member too: as joins, the planner hashed the whole `employees`
# and the period's `employee_achievement` (the country's, nationally) to serve a thousand members.
UNIT_PAGE = sa.text("""
WITH counted AS (
    SELECT nip, min(unit_id) AS unit_id, sum(plans)::bigint AS plans, sum(planned_qty) AS planned_qty,
           sum(reported)::bigint AS reported, sum(reported_qty) AS reported_qty,
           sum(reported_minutes)::bigint AS reported_minutes, sum(approved)::bigint AS approved,
           sum(CASE WHEN :kind = 'year' THEN recognised_qty_final ELSE recognised_qty END) AS recognised_qty,
           sum(approved_minutes)::bigint AS approved_minutes, sum(pending)::bigint AS pending,
           sum(revisions)::bigint AS revisions
    FROM employee_counters
    WHERE unit_id = ANY(CAST(:units AS text[])) AND kind = :kind AND period_key = :period_key
    GROUP BY nip),
members AS (
    SELECT * FROM counted
    UNION ALL
    SELECT a.nip, min(a.unit_id), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM assignments a
    WHERE a.unit_id = ANY(CAST(:units AS text[])) AND a.start_date <= :end
      AND (a.end_date IS NULL OR a.end_date >= :start) AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.nip = a.nip)
    GROUP BY a.nip),
shown AS (
    SELECT m.*, coalesce((SELECT e.nama FROM employees e WHERE e.nip = m.nip), '') AS nama,
           (SELECT a.achievement FROM employee_achievement a
            WHERE a.nip = m.nip AND a.kind = :kind AND a.period_key = :period_key) AS achievement,
           greatest(0, CAST(:as_of AS date) - (
               SELECT min(x.submitted_at) FROM activities x
               WHERE x.nip = m.nip AND x.status = 'submitted' AND NOT x.locked
                 AND x.tanggal BETWEEN :start AND :end)::date) AS oldest_pending_days
    FROM members m
    WHERE CAST(:visible AS text[]) IS NULL OR m.nip = ANY(CAST(:visible AS text[])))
SELECT * FROM (
(SELECT nip, nama, unit_id, plans, round(planned_qty, 2)::text, reported, round(reported_qty, 2)::text,
        reported_minutes, approved, round(recognised_qty, 2)::text, approved_minutes, pending,
        coalesce(oldest_pending_days, 0), revisions, coalesce(round(achievement, 2)::text, ''),
        NULL::numeric, 0::bigint, 0::bigint, 0 AS part
 FROM shown ORDER BY nip COLLATE "C" OFFSET :offset LIMIT :limit)
UNION ALL
SELECT '', (SELECT nama FROM units WHERE unit_id = :unit_id), '', coalesce(sum(plans), 0)::bigint,
       round(coalesce(sum(planned_qty), 0), 2)::text, coalesce(sum(reported), 0)::bigint,
       round(coalesce(sum(reported_qty), 0), 2)::text, coalesce(sum(reported_minutes), 0)::bigint,
       coalesce(sum(approved), 0)::bigint, round(coalesce(sum(recognised_qty), 0), 2)::text,
       coalesce(sum(approved_minutes), 0)::bigint, coalesce(sum(pending), 0)::bigint,
       coalesce(max(oldest_pending_days), 0), coalesce(sum(revisions), 0)::bigint, '',
       sum(achievement), count(achievement), count(*), 1
FROM shown) page ORDER BY part, nip COLLATE "C"  -- the page by NIP (as Python sorts), then the total
""")
PAGE_COLUMNS = ("nip", "nama", "unit_id", "plans", "planned_qty", "reported", "reported_qty", "reported_minutes",
                "approved", "recognised_qty", "approved_minutes", "pending", "oldest_pending_days", "revisions",
                "achievement_pct")


def unit_page(session, unit_id: str, kind: str, day: dt.date, today: dt.date, visible: set | None,
              offset: int, limit: int) -> dict:
    """`unit_recap` for one page, shaped for the API: rows `offset .. offset + limit` (by NIP) as tuples of
    `PAGE_COLUMNS` (a year's `recognised_qty` is `recognised_qty_final`, DOMAIN §0.15; decimals as shown), the
    total over every member, and how many members there are. Two statements (the subtree, then the page) and no
    per-employee Python object: a 1,000-row page cost ~30 ms of Python as `Line`s (docs/benchmarks.md)."""
    start, end = period_bounds(kind, day)
    key = period_key(kind, day)
    units = subtree_units(session, unit_id, start, end)
    rows = session.execute(UNIT_PAGE, {
        "units": units, "kind": kind, "period_key": key, "start": start, "end": end, "as_of": today,
        "visible": None if visible is None else sorted(visible), "offset": offset, "limit": limit,
        "unit_id": unit_id}).all()
    *page, total = rows
    achievement_sum, achieved, members = total[15:18]
    mean = Decimal(achievement_sum) / achieved if achieved else None
    return {"unit_id": unit_id, "unit_nama": total[1] or "", "period_key": key, "members": members,
            "rows": [row[:15] for row in page], "total": total[:14] + (show(mean),)}


def instansi_lines(session, instansi_id: str, kind: str, day: dt.date, today: dt.date) -> dict[str, dict]:
    """{unit_id: {nip: Line}} of the instansi for the period, with achievement and oldest pending age set."""
    key = period_key(kind, day)
    per_unit: dict[str, dict[str, Line]] = defaultdict(dict)
    for row in session.execute(sa.select(t.employee_counters).where(
            t.employee_counters.c.instansi_id == instansi_id, t.employee_counters.c.kind == kind,
            t.employee_counters.c.period_key == key)):
        per_unit[row.unit_id].setdefault(row.nip, Line(row.nip, unit_id=row.unit_id)).add(_counter_row(row))
    start, end = period_bounds(kind, day)
    for unit_id, nip in session.execute(sa.select(t.assignments.c.unit_id, t.assignments.c.nip).where(
            t.assignments.c.instansi_id == instansi_id, _overlap(t.assignments, start, end))):
        per_unit[unit_id or ""].setdefault(nip, Line(nip, unit_id=unit_id))
    everyone = sorted({nip for members in per_unit.values() for nip in members})
    pcts = achievements(session, everyone, kind, day)
    ages = oldest_pending(session, everyone, start, end, today)
    for members in per_unit.values():
        for line in members.values():
            line.achievement = pcts.get(line.key)
            line.oldest_pending_days = ages.get(line.key, 0)
    return per_unit


def instansi_result(session, instansi_id: str, key: str, per_unit: dict[str, dict]) -> dict:
    """A row per unit and the grand total from per-employee lines (live or from a month snapshot)."""
    names = dict(session.execute(sa.select(t.units.c.unit_id, t.units.c.nama)
                                 .where(_any(t.units.c.unit_id, per_unit))).all())
    rows = []
    for unit_id in sorted(per_unit):
        total = total_of(list(per_unit[unit_id].values()), key=unit_id)
        total.nama = names.get(unit_id, "") or ""
        rows.append(total)
    grand = Line("total")
    for row in rows:
        grand.add(row.counters)
        grand.oldest_pending_days = max(grand.oldest_pending_days, row.oldest_pending_days)
    by_nip = {line.key: line.achievement for members in per_unit.values() for line in members.values()}
    grand.achievement = achievement.mean(by_nip.values())
    grand.employees = len(by_nip)
    return {"instansi_id": instansi_id, "period_key": key, "rows": rows, "total": grand}


def instansi_recap(session, instansi_id: str, kind: str, day: dt.date, today: dt.date):
    return instansi_result(session, instansi_id, period_key(kind, day),
                           instansi_lines(session, instansi_id, kind, day, today))


# -- compliance --------------------------------------------------------------------------------------------------

def holidays_of(session, instansi_id: str, start, end) -> frozenset:
    """Non-working days for the instansi: national ones (instansi_id '') and its own regional ones."""
    return frozenset(session.execute(sa.select(t.holidays.c.tanggal).where(
        t.holidays.c.tanggal.between(start, end), t.holidays.c.instansi_id.in_(["", instansi_id]))).scalars())


def _people(session, instansi_id, unit_id, start, end):
    """Assignments (by nip) of everyone posted in the instansi (or unit) during [start, end]."""
    condition = [t.assignments.c.instansi_id == instansi_id, _overlap(t.assignments, start, end)]
    if unit_id:
        condition.append(t.assignments.c.unit_id == unit_id)
    nips = set(session.execute(sa.select(t.assignments.c.nip).where(*condition)).scalars())
    spans: dict[str, list] = defaultdict(list)
    for row in session.execute(sa.select(t.assignments).where(_any(t.assignments.c.nip, nips))):
        spans[row.nip].append(compliance.AssignmentSpan(row.unit_id or "", row.jabatan_id, row.start_date,
                                                        row.end_date, row.acting, row.penilai_nip))
    return nips, spans


def noncompliance(session, instansi_id: str, unit_id: str | None, start: dt.date, end: dt.date, today: dt.date,
                  backlog_days: int):
    nips, posts = _people(session, instansi_id, unit_id, start, end)
    holidays = holidays_of(session, instansi_id, start, end)
    registered = dict(session.execute(sa.select(t.employees.c.nip, t.employees.c.status)
                                      .where(_any(t.employees.c.nip, nips))).all())
    statuses: dict[str, list] = defaultdict(list)
    for row in session.execute(sa.select(t.status_spans).where(_any(t.status_spans.c.nip, nips))):
        statuses[row.nip].append(compliance.StatusSpan(row.effective_date, row.end_date, row.old_status,
                                                       row.new_status, row.occurred_at or ""))
    plans = defaultdict(set)
    for nip, day in session.execute(sa.select(t.plans.c.nip, t.plans.c.tanggal).distinct().where(
            _any(t.plans.c.nip, nips), t.plans.c.tanggal.between(start, end))):
        plans[nip].add(day)
    reports = defaultdict(set)
    for nip, day in session.execute(sa.select(t.activities.c.nip, t.activities.c.tanggal).distinct().where(
            _any(t.activities.c.nip, nips), t.activities.c.tanggal.between(start, end),
            t.activities.c.status.is_not(None))):
        reports[nip].add(day)
    with_skp = set(session.execute(sa.select(t.skps.c.nip).where(
        _any(t.skps.c.nip, nips), t.skps.c.version >= 0, t.skps.c.period_start <= end,
        t.skps.c.period_end >= start)).scalars())
    findings, excluded = [], 0
    for nip in sorted(nips):
        all_days = compliance.employee_days(start, end, holidays, [], None, posts[nip])
        owed = compliance.employee_days(start, end, holidays, statuses[nip], registered.get(nip), posts[nip])
        excluded += len(all_days) - len(owed)
        if unit_id:
            owed = [(day, unit) for day, unit in owed if unit == unit_id]
        findings.extend(compliance.daily_findings(nip, owed, plans[nip], reports[nip]))
        if owed and nip not in with_skp:
            findings.append(compliance.Finding(nip, "skp_not_approved", owed[-1][1], None, len(owed)))
    findings.extend(backlog(session, instansi_id, unit_id, today, backlog_days))
    names = names_of(session, {f.nip for f in findings})
    return findings, names, excluded


def backlog(session, instansi_id, unit_id, today, backlog_days):
    condition = [t.activities.c.instansi_id == instansi_id, t.activities.c.status == "submitted",
                 sa.not_(t.activities.c.locked),
                 t.activities.c.submitted_at < dt.datetime.combine(today - dt.timedelta(days=backlog_days),
                                                                   dt.time(23, 59, 59), dt.timezone.utc)]
    if unit_id:
        condition.append(t.activities.c.unit_id == unit_id)
    pending = session.execute(sa.select(t.activities.c.penilai_nip, t.activities.c.unit_id,
                                        t.activities.c.submitted_at).where(*condition)).all()
    return compliance.backlog_findings([tuple(p) for p in pending], today, backlog_days)


# -- recommendations ---------------------------------------------------------------------------------------------

def approved_positions(session, nips, start: dt.date, end: dt.date) -> set[tuple[str, str | None]]:
    """(nip, jabatan_id) of the approved SKP documents overlapping [start, end]."""
    return set(session.execute(sa.select(t.skps.c.nip, t.skps.c.jabatan_id).where(
        _any(t.skps.c.nip, nips), t.skps.c.version >= 0, t.skps.c.period_start <= end,
        t.skps.c.period_end >= start)).tuples())


def appraisal_scores(session, instansi_id: str, unit_id: str | None, year: int) -> dict[str, list[Decimal]]:
    """penilai NIP -> the nilai prestasi kerja they gave in `year` (in the unit, when given)."""
    scores: dict[str, list[Decimal]] = defaultdict(list)
    condition = [t.skp_scores.c.instansi_id == instansi_id, t.skp_scores.c.year == year,
                 t.skp_scores.c.nilai_prestasi_kerja.is_not(None)]
    if unit_id:
        condition.append(t.skp_scores.c.unit_id == unit_id)
    for penilai, value in session.execute(sa.select(t.skp_scores.c.penilai_nip, t.skp_scores.c.nilai_prestasi_kerja)
                                          .where(*condition)):
        if penilai:
            scores[penilai].append(Decimal(value))
    return scores


def work_without_target(session, nips, day: dt.date) -> dict[tuple[str, str, str], tuple[Decimal, Decimal]]:
    """{(nip, kegiatan_id, nama): (des month target, realised)} for SKP kegiatan with approved work in the month
    whose des month target is 0 or not known: no percentage can be told for them."""
    if not nips:
        return {}
    start, end = period_bounds("month", day)
    targets = targets_of(session, nips, start, end)
    known = {(nip, tg.skp_id, tg.kegiatan_id): tg.monthly(day.year, day.month)
             for nip, tgs in targets.items() for tg in tgs}
    c, g = t.kegiatan_counters, t.skp_kegiatan
    out = {}
    for row in session.execute(sa.select(c.c.nip, c.c.skp_id, c.c.kegiatan_id, c.c.recognised_qty, g.c.nama)
                               .join(g, sa.and_(g.c.skp_id == c.c.skp_id, g.c.kegiatan_id == c.c.kegiatan_id))
                               .where(_any(c.c.nip, nips), c.c.kind == "month",
                                      c.c.period_key == period_key("month", day), c.c.recognised_qty > 0)):
        target = known.get((row.nip, row.skp_id, row.kegiatan_id))
        if not target:
            out[(row.nip, row.kegiatan_id, row.nama or "")] = (target or Decimal(0), Decimal(row.recognised_qty))
    return out


# -- chart data --------------------------------------------------------------------------------------------------

def monthly_series(session, year: int, nip: str | None = None, unit_id: str | None = None) -> list[Decimal | None]:
    out = []
    for month in range(1, 13):
        day = dt.date(year, month, 1)
        if nip:
            out.append(achievements(session, [nip], "month", day).get(nip))
        else:
            members = list(unit_members(session, unit_id, "month", day))
            out.append(achievement.mean(achievements(session, members, "month", day).values()))
    return out



# -- a unit's predikat spread (PermenPANRB 6/2022) ----------------------------------------------------------------

def predikat_counts(session, unit_id: str, periode: str) -> dict[str, int]:
    """predikat -> number of employees of `unit_id` rated in `periode` (those present only): an employee with two
    documents in the period (a transfer within the unit) counts once, with the latest-ending document's."""
    e = t.evaluasi_periodik
    latest = (sa.select(e.c.nip, e.c.predikat)
              .where(e.c.unit_id == unit_id, e.c.periode == periode)
              .distinct(e.c.nip).order_by(e.c.nip, e.c.period_end.desc(), e.c.occurred_at.desc())).subquery()
    return {p: int(n) for p, n in session.execute(sa.select(latest.c.predikat, sa.func.count())
                                                  .group_by(latest.c.predikat)).all()}


def unit_name(session, unit_id: str) -> str:
    return session.execute(sa.select(t.units.c.nama).where(t.units.c.unit_id == unit_id)).scalar() or ""


class SqlRecapReads(ports.RecapReads):
    def __init__(self, session):
        self.session = session

    def employee_recap(self, nip, kind, day, today):
        return employee_recap(self.session, nip, kind, day, today)

    def unit_recap(self, unit_id, kind, day, today, visible=None):
        return unit_recap(self.session, unit_id, kind, day, today, visible)

    def unit_page(self, unit_id, kind, day, today, visible, offset, limit):
        return unit_page(self.session, unit_id, kind, day, today, visible, offset, limit)

    def instansi_recap(self, instansi_id, kind, day, today):
        return instansi_recap(self.session, instansi_id, kind, day, today)

    def instansi_lines(self, instansi_id, kind, day, today):
        return instansi_lines(self.session, instansi_id, kind, day, today)

    def instansi_result(self, instansi_id, period_key, per_unit):
        return instansi_result(self.session, instansi_id, period_key, per_unit)

    def names_of(self, nips):
        return names_of(self.session, nips)

    def unit_name(self, unit_id):
        return unit_name(self.session, unit_id)

    def subtree_units(self, unit_id, start, end):
        return subtree_units(self.session, unit_id, start, end)

    def noncompliance(self, instansi_id, unit_id, start, end, today, backlog_days):
        return noncompliance(self.session, instansi_id, unit_id, start, end, today, backlog_days)

    def monthly_series(self, year, nip=None, unit_id=None):
        return monthly_series(self.session, year, nip=nip, unit_id=unit_id)

    def predikat_counts(self, unit_id, periode):
        return predikat_counts(self.session, unit_id, periode)

    def people(self, instansi_id, unit_id, start, end):
        return _people(self.session, instansi_id, unit_id, start, end)

    def achievements(self, nips, kind, day):
        return achievements(self.session, nips, kind, day)

    def approved_positions(self, nips, start, end):
        return approved_positions(self.session, nips, start, end)

    def backlog(self, instansi_id, unit_id, today, backlog_days):
        return backlog(self.session, instansi_id, unit_id, today, backlog_days)

    def work_without_target(self, nips, day):
        return work_without_target(self.session, nips, day)

    def appraisal_scores(self, instansi_id, unit_id, year):
        return appraisal_scores(self.session, instansi_id, unit_id, year)
