"""In-memory repositories and unit of work for recap's use-case tests (cosmicpython's `FakeRepository` habit).

recap is a read model: the fakes answer what a test states PostgreSQL would answer (lines of a unit, findings, the
people of an instansi) and keep the rules their SQL twins keep that the use cases rely on: one close per instansi
and month, one holiday per instansi and day, an inbox that claims an event once, lines by NIP, a page of the
unit's lines and its total over every member (`unit_page`). What only the database computes (the counters
themselves, subtrees, achievement formulas) is given, not recomputed.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_platform.testing_uow import FakeUnitOfWork
from recap.application import ports
from recap.domain.achievement import show
from recap.domain.lines import Line, total_of


def line(nip: str, unit_id: str = "u-1", nama: str = "", achievement=None, **counters) -> Line:
    made = Line(nip, nama=nama or f"Pegawai {nip[-3:]}", unit_id=unit_id,
                achievement=None if achievement is None else Decimal(str(achievement)))
    made.counters.update(counters)
    return made


class FakeRelations(ports.Relations):
    def __init__(self, subordinates: dict[str, set[str]] | None = None, employees: dict[str, str] | None = None,
                 units: dict[str, str] | None = None):
        self.below = subordinates or {}
        self.employees = employees or {}     # nip -> instansi
        self.units = units or {}             # unit_id -> instansi
        self.asked: list[tuple[str, dt.date, dt.date]] = []

    def subordinates(self, penilai_nip, start, end):
        self.asked.append((penilai_nip, start, end))
        return set(self.below.get(penilai_nip, set()))

    def instansi_of_employee(self, nip):
        return self.employees.get(nip)

    def instansi_of_unit(self, unit_id):
        return self.units.get(unit_id)


def _shown(x: Line) -> tuple:
    c = x.counters
    return (x.key, x.nama, x.unit_id, c["plans"], show(c["planned_qty"]), c["reported"], show(c["reported_qty"]),
            c["reported_minutes"], c["approved"], show(c["recognised_qty"]), c["approved_minutes"], c["pending"],
            x.oldest_pending_days, c["revisions"], show(x.achievement) or "")


class FakeRecapReads(ports.RecapReads):
    """Every answer is what the test put in; `calls` lists the methods asked, in order."""

    def __init__(self):
        self.calls: list[str] = []
        self.employees: dict[str, dict] = {}              # nip -> employee_recap's answer
        self.unit_lines: dict[str, list[Line]] = {}       # unit_id -> lines of the unit and the units below it
        self.unit_names: dict[str, str] = {}
        self.instansi: dict[str, dict[str, dict]] = {}    # instansi -> {unit_id: {nip: Line}}
        self.names: dict[str, str] = {}
        self.findings: list = []
        self.excluded = 0
        self.series: dict[str, list] = {}                 # nip or unit_id -> 12 values
        self.predikat: dict[tuple[str, str], dict[str, int]] = {}
        self.posts: dict[str, list] = {}                  # nip -> [AssignmentSpan]
        self.pcts: dict[tuple[str, str], Decimal] = {}   # (nip, "YYYY-MM") -> achievement
        self.positions: set = set()
        self.backlogs: list = []
        self.without_target: dict = {}
        self.scores: dict[str, list[Decimal]] = {}

    def employee_recap(self, nip, kind, day, today):
        self.calls.append("employee_recap")
        return self.employees[nip]

    def _members(self, unit_id, visible):
        lines = sorted(self.unit_lines.get(unit_id, []), key=lambda x: x.key)
        return [x for x in lines if visible is None or x.key in visible]

    def unit_recap(self, unit_id, kind, day, today, visible=None):
        self.calls.append("unit_recap")
        rows = self._members(unit_id, visible)
        return {"unit_id": unit_id, "unit_nama": self.unit_names.get(unit_id, ""), "period_key": f"{day:%Y-%m}",
                "rows": rows, "total": total_of(rows)}

    def unit_page(self, unit_id, kind, day, today, visible, offset, limit):
        self.calls.append("unit_page")
        rows = self._members(unit_id, visible)
        total = total_of(rows)
        return {"unit_id": unit_id, "unit_nama": self.unit_names.get(unit_id, ""), "period_key": f"{day:%Y-%m}",
                "members": len(rows), "rows": [_shown(x) for x in rows[offset:offset + limit]],
                "total": _shown(total)[:14] + (show(total.achievement),)}

    def instansi_lines(self, instansi_id, kind, day, today):
        self.calls.append("instansi_lines")
        return self.instansi.get(instansi_id, {})

    def instansi_result(self, instansi_id, period_key, per_unit):
        rows = []
        for unit_id in sorted(per_unit):
            total = total_of(per_unit[unit_id].values(), key=unit_id)
            total.nama = self.unit_names.get(unit_id, "")
            rows.append(total)
        grand = total_of([x for members in per_unit.values() for x in members.values()])
        return {"instansi_id": instansi_id, "period_key": period_key, "rows": rows, "total": grand}

    def instansi_recap(self, instansi_id, kind, day, today):
        self.calls.append("instansi_recap")
        return self.instansi_result(instansi_id, f"{day:%Y-%m}", self.instansi.get(instansi_id, {}))

    def names_of(self, nips):
        return {nip: self.names[nip] for nip in nips if nip in self.names}

    def unit_name(self, unit_id):
        return self.unit_names.get(unit_id, "")

    def subtree_units(self, unit_id, start, end):
        return [unit_id]

    def noncompliance(self, instansi_id, unit_id, start, end, today, backlog_days):
        self.calls.append("noncompliance")
        return list(self.findings), dict(self.names), self.excluded

    def monthly_series(self, year, nip=None, unit_id=None):
        self.calls.append("monthly_series")
        return self.series[nip or unit_id or ""]

    def predikat_counts(self, unit_id, periode):
        return dict(self.predikat.get((unit_id, periode), {}))

    def people(self, instansi_id, unit_id, start, end):
        nips = {nip for nip, spans in self.posts.items()
                if any(s.start <= end and (s.end is None or s.end >= start)
                       and (not unit_id or s.unit_id == unit_id) for s in spans)}
        return nips, {nip: list(self.posts[nip]) for nip in nips}

    def achievements(self, nips, kind, day):
        return {nip: self.pcts[(nip, f"{day:%Y-%m}")] for nip in nips if (nip, f"{day:%Y-%m}") in self.pcts}

    def approved_positions(self, nips, start, end):
        return {(nip, j) for nip, j in self.positions if nip in nips}

    def backlog(self, instansi_id, unit_id, today, backlog_days):
        return list(self.backlogs)

    def work_without_target(self, nips, day):
        return dict(self.without_target)

    def appraisal_scores(self, instansi_id, unit_id, year):
        return dict(self.scores)


class FakeMonthCloses(ports.MonthCloses):
    def __init__(self, now: dt.datetime = dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.timezone.utc)):
        self.now = now
        self.closes: dict[tuple[str, int, int], tuple[ports.CloseRecord, str]] = {}
        self.rows: list[dict] = []

    def claim(self, instansi_id, tahun, bulan, closed_by, event_id):
        if (instansi_id, tahun, bulan) in self.closes:
            return False
        self.closes[(instansi_id, tahun, bulan)] = (ports.CloseRecord(self.now, closed_by), event_id)
        return True

    def get(self, instansi_id, tahun, bulan):
        found = self.closes.get((instansi_id, tahun, bulan))
        return None if found is None else found[0]

    def save_rows(self, rows):
        self.rows.extend(dict(r) for r in rows)

    def count_rows(self, instansi_id, tahun, bulan):
        return sum(1 for r in self._of(instansi_id, tahun, bulan))

    def _of(self, instansi_id, tahun, bulan):
        return [r for r in self.rows if r["tahun"] == tahun and r["bulan"] == bulan
                and (instansi_id is None or r["instansi_id"] == instansi_id)]

    def lines(self, instansi_id, tahun, bulan, *, nip=None, units_below=None):
        out = []
        for r in sorted(self._of(instansi_id, tahun, bulan), key=lambda r: (r["nip"], r["unit_id"])):
            if (nip is None or r["nip"] == nip) and (units_below is None or r["unit_id"] == units_below):
                x = Line(r["nip"], nama=r["nama"] or "", unit_id=r["unit_id"], achievement=r["achievement"],
                         oldest_pending_days=r["oldest_pending_days"])
                x.counters = {k: r[k] for k in x.counters}
                out.append(x)
        return out


class FakeHolidays(ports.Holidays):
    def __init__(self):
        self.days: dict[tuple[str, dt.date], tuple[str, str]] = {}   # (instansi, day) -> (nama, set_by)

    def put(self, instansi_id, tanggal, nama, set_by):
        self.days[(instansi_id, tanggal)] = (nama, set_by)

    def remove(self, instansi_id, tanggal):
        return self.days.pop((instansi_id, tanggal), None) is not None

    def between(self, instansi_id, start, end):
        return [ports.HolidayRow(day, nama, inst) for (inst, day), (nama, _) in
                sorted(self.days.items(), key=lambda kv: (kv[0][1], kv[0][0]))
                if start <= day <= end and inst in ("", instansi_id)]


class FakeProjection(ports.Projection):
    """`log` keeps the event log (a second copy of an event is ignored), `applied` what was projected, in order."""

    def __init__(self):
        self.event_log: list[dict] = []
        self.applied: list[tuple[str, str]] = []     # ("des" | "reference", event_id)
        self.cleared = False

    def log(self, envelope):
        if all(e["event_id"] != envelope["event_id"] for e in self.event_log):
            self.event_log.append(envelope)

    def apply_des(self, envelope):
        self.applied.append(("des", envelope["event_id"]))

    def apply_reference(self, envelope):
        self.applied.append(("reference", envelope["event_id"]))

    def clear(self):
        self.cleared = True
        self.applied.clear()

    def logged_after(self, seq, limit):
        return [(n, e) for n, e in enumerate(self.event_log, 1) if n > seq][:limit]


class FakeIntake(ports.Intake):
    def __init__(self, projection: FakeProjection):
        self.projection = projection
        self.inbox: set[str] = set()
        self.batches: list[list[str]] = []    # event ids of each apply_many with events

    def claim_many(self, envelopes):
        fresh = []
        for envelope in envelopes:
            fresh.append(envelope["event_id"] not in self.inbox)
            self.inbox.add(envelope["event_id"])
        return fresh

    def apply_many(self, envelopes):
        if not envelopes:
            return
        self.batches.append([e["event_id"] for e in envelopes])
        for envelope in envelopes:
            self.projection.log(envelope)
            self.projection.applied.append(("des", envelope["event_id"]))


class FakeRecapUnitOfWork(FakeUnitOfWork, ports.RecapUnitOfWork):
    def __init__(self, relations: FakeRelations | None = None):
        super().__init__()
        self.relations = relations or FakeRelations()
        self.reads = FakeRecapReads()
        self.closes = FakeMonthCloses()
        self.holidays = FakeHolidays()
        self.projection = FakeProjection()
        self.intake = FakeIntake(self.projection)
