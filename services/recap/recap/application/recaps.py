"""The recap views: an employee's, a unit's, an instansi's, non-compliance, the chart's series, the export's cells.

Each use case takes the open unit of work, the verified caller and the request's plain values; it checks them
(`requests`), asks the policy table which view the caller gets and reads through `uow.reads`. A year counts
recognised work without `proses` entries (DOMAIN §0.15): the lines a year view returns already say so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import InvalidArgument

from ..domain import compliance
from ..domain.achievement import show
from ..domain.lines import Line
from ..domain.periods import period_bounds
from . import closing, policy, requests
from .ports import RecapUnitOfWork

MAX_RANGE_DAYS = 92


def today() -> dt.date:
    """The user's day (the instansi's zone), the default day of a recap."""
    return clock.today()


def for_period(line: Line, kind: str) -> Line:
    """A year counts recognised work without `proses` entries (DOMAIN §0.15)."""
    if kind == "year":
        line.counters = dict(line.counters, recognised_qty=line.counters["recognised_qty_final"])
    return line


def _visible(uow: RecapUnitOfWork, principal, view, kind: str, day: dt.date) -> set[str] | None:
    """A pegawai sees its own line and its subordinates' in the period; every other view sees every member."""
    if view != policy.SUBORDINATES:
        return None
    start, end = period_bounds(kind, day)
    return uow.relations.subordinates(principal.nip, start, end) | {principal.nip}


# -- an employee ---------------------------------------------------------------------------------------------------

def employee_recap(uow: RecapUnitOfWork, principal, kind: str, date: str, nip: str, snapshot: bool) -> dict:
    """{nip, nama, period_key, start, end, total, by_unit, kegiatan, evaluasi} (a snapshot: no kegiatan)."""
    kind = requests.period(kind)
    day = requests.day(date, "date", today())
    nip = nip.strip() or (principal.nip or "")
    if not nip:
        raise InvalidArgument("is required for a caller without a NIP", field="nip")
    start, end = period_bounds(kind, day)
    requests.snapshot_period(snapshot, kind)
    policy.authorize("GetEmployeeRecap", principal, policy.Target(nip=nip, start=start, end=end), uow.relations)
    if snapshot:
        recap = closing.snapshot_employee(uow, uow.relations.instansi_of_employee(nip), nip, day.year, day.month)
    else:
        recap = uow.reads.employee_recap(nip, kind, day, today())
    for line in (recap["total"], *recap["by_unit"]):
        for_period(line, kind)
    return {**recap, "nip": nip, "start": start, "end": end}


# -- a unit ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitRecap:
    """One page of a unit's recap. `shown`: rows and total are tuples of the read port's `PAGE_COLUMNS`, already in
    the API's form (the live view); else `Line`s (a closed month's snapshot)."""

    unit_id: str
    unit_nama: str
    period_key: str
    rows: list
    total: object
    employees: int
    next_page_token: str
    shown: bool


def unit_recap(uow: RecapUnitOfWork, principal, unit_id: str, kind: str, date: str, snapshot: bool,
               page_size: int, page_token: str) -> UnitRecap:
    """The live view builds only the page (one statement); an operator (AGGREGATE) gets the totals, no rows."""
    unit_id = requests.required(unit_id, "unit_id")
    kind = requests.period(kind)
    day = requests.day(date, "date", today())
    requests.snapshot_period(snapshot, kind)
    fingerprint = requests.fingerprint("unit", unit_id, kind, day, snapshot)
    offset, size = requests.page(page_size, page_token, fingerprint)
    view = policy.authorize("GetUnitRecap", principal, policy.Target(unit_id=unit_id), uow.relations)
    visible = _visible(uow, principal, view, kind, day)
    aggregate = view == policy.AGGREGATE
    if not snapshot:
        page = uow.reads.unit_page(unit_id, kind, day, today(), visible, offset, 0 if aggregate else size)
        return UnitRecap(unit_id, page["unit_nama"], page["period_key"], page["rows"], page["total"],
                         page["members"], requests.next_token(offset, size, 0 if aggregate else page["members"],
                                                              fingerprint), shown=True)
    recap = closing.snapshot_unit(uow, uow.relations.instansi_of_unit(unit_id), unit_id, day.year, day.month,
                                  visible)
    rows = [] if aggregate else recap["rows"]
    return UnitRecap(unit_id, recap["unit_nama"], recap["period_key"], rows[offset:offset + size],
                     recap["total"], recap["total"].employees,
                     requests.next_token(offset, size, len(rows), fingerprint), shown=False)


def _whole_unit(uow: RecapUnitOfWork, principal, rpc: str, unit_id: str, kind: str, day: dt.date) -> dict:
    """Every line of the live unit recap the caller may see (no rows for AGGREGATE)."""
    view = policy.authorize(rpc, principal, policy.Target(unit_id=unit_id), uow.relations)
    recap = uow.reads.unit_recap(unit_id, kind, day, today(), _visible(uow, principal, view, kind, day))
    if view == policy.AGGREGATE:
        recap = dict(recap, rows=[])
    return recap


# -- an instansi -----------------------------------------------------------------------------------------------------

def _instansi(uow: RecapUnitOfWork, principal, rpc: str, instansi_id: str, kind: str, day: dt.date,
              snapshot: bool = False) -> dict:
    policy.authorize(rpc, principal, policy.Target(instansi_id=instansi_id))
    if snapshot:
        return closing.snapshot_instansi(uow, instansi_id, day.year, day.month)
    return uow.reads.instansi_recap(instansi_id, kind, day, today())


def instansi_recap(uow: RecapUnitOfWork, principal, instansi_id: str, kind: str, date: str, snapshot: bool,
                   page_size: int, page_token: str) -> dict:
    """{instansi_id, period_key, rows (a Line per unit, this page), total, next_page_token}"""
    instansi_id = requests.required(instansi_id, "instansi_id")
    kind = requests.period(kind)
    day = requests.day(date, "date", today())
    requests.snapshot_period(snapshot, kind)
    fingerprint = requests.fingerprint("instansi", instansi_id, kind, day, snapshot)
    offset, size = requests.page(page_size, page_token, fingerprint)
    recap = _instansi(uow, principal, "GetInstansiRecap", instansi_id, kind, day, snapshot)
    rows = recap["rows"]
    return {**recap, "rows": [for_period(line, kind) for line in rows[offset:offset + size]],
            "total": for_period(recap["total"], kind),
            "next_page_token": requests.next_token(offset, size, len(rows), fingerprint)}


# -- non-compliance --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Noncompliance:
    findings: list[compliance.Finding]   # this page, by kind, NIP and day
    names: dict[str, str]
    excluded_employee_days: int
    next_page_token: str


def noncompliance(uow: RecapUnitOfWork, principal, instansi_id: str, unit_id: str, date_from: str, date_to: str,
                  backlog_days: int, page_size: int, page_token: str) -> Noncompliance:
    """A pegawai sees its subordinates' findings only (and no count of excused days)."""
    instansi_id = requests.required(instansi_id or (principal.instansi_id or ""), "instansi_id")
    start = requests.day(date_from, "date_from")
    end = requests.day(date_to, "date_to")
    if end < start:
        raise InvalidArgument("must not be before date_from", field="date_to")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidArgument(f"the range may span at most {MAX_RANGE_DAYS} days", field="date_to")
    backlog = requests.backlog_days(backlog_days)
    fingerprint = requests.fingerprint("noncompliance", instansi_id, unit_id, start, end, backlog)
    offset, size = requests.page(page_size, page_token, fingerprint)
    view = policy.authorize("ListNoncompliance", principal, policy.Target(instansi_id=instansi_id))
    findings, names, excluded = uow.reads.noncompliance(instansi_id, unit_id or None, start, end, today(), backlog)
    if view == policy.SUBORDINATES:
        visible = uow.relations.subordinates(principal.nip, start, end) | {principal.nip}
        findings = [f for f in findings if f.nip in visible]
    findings.sort(key=lambda f: (f.kind, f.nip, f.tanggal or dt.date.min))
    return Noncompliance(findings[offset:offset + size], names,
                         excluded if view != policy.SUBORDINATES else 0,
                         requests.next_token(offset, size, len(findings), fingerprint))


# -- files -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    """A recap as a table (the columns of the export's header; decimals as shown), to be written as `format`
    ("csv" or "xlsx")."""

    filename: str        # without extension
    title: str           # the period key (the sheet's name)
    cells: list[list]
    format: str


def _cells(line: Line, kind: str, personal: bool) -> list:
    c = for_period(line, kind).counters
    return [line.key if personal or not line.unit_id else "", line.nama if personal else "", line.unit_id,
            line.employees or "", c["plans"], show(c["planned_qty"]), c["reported"], show(c["reported_qty"]),
            c["reported_minutes"], c["approved"], show(c["recognised_qty"]), c["approved_minutes"], c["pending"],
            line.oldest_pending_days, c["revisions"], show(line.achievement)]


def export_recap(uow: RecapUnitOfWork, principal, kind: str, date: str, format: str, unit_id: str,
                 instansi_id: str) -> Export:
    """A unit's lines (none for an operator) or an instansi's unit rows, and the total."""
    kind = requests.period(kind)
    day = requests.day(date, "date", today())
    if format not in ("csv", "xlsx"):
        raise InvalidArgument("must be EXPORT_FORMAT_CSV or EXPORT_FORMAT_XLSX", field="format")
    if bool(unit_id) == bool(instansi_id):
        raise InvalidArgument("give exactly one of unit_id and instansi_id", field="unit_id")
    if unit_id:
        recap = _whole_unit(uow, principal, "ExportRecap", unit_id, kind, day)
        cells = [_cells(line, kind, True) for line in recap["rows"]]
        scope = f"unit-{unit_id}"
    else:
        recap = _instansi(uow, principal, "ExportRecap", instansi_id, kind, day)
        cells = [[line.key, line.nama, line.key] + _cells(line, kind, False)[3:] for line in recap["rows"]]
        scope = f"instansi-{instansi_id}"
    cells.append(["TOTAL", "", ""] + _cells(recap["total"], kind, False)[3:])
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f"recap-{scope}-{recap['period_key']}")
    return Export(safe, recap["period_key"], cells, format)


@dataclass(frozen=True)
class Chart:
    title: str
    values: list   # achievement % per month, None where there is no target


def achievement_chart(uow: RecapUnitOfWork, principal, tahun: int, nip: str, unit_id: str) -> Chart:
    """An employee's or a unit's achievement by month of a year (a unit chart is for administrators)."""
    if bool(nip) == bool(unit_id):
        raise InvalidArgument("give exactly one of nip and unit_id", field="nip")
    requests.year(tahun)
    start, end = dt.date(tahun, 1, 1), dt.date(tahun, 12, 31)
    policy.authorize("RenderChart", principal, policy.Target(nip=nip, unit_id=unit_id, start=start, end=end),
                     uow.relations)
    if nip:
        values = uow.reads.monthly_series(tahun, nip=nip)
        names = uow.reads.names_of([nip])
        return Chart(f"Capaian bulanan {tahun}: {names.get(nip) or 'pegawai'}", values)
    return Chart(f"Capaian bulanan {tahun}: unit {unit_id}", uow.reads.monthly_series(tahun, unit_id=unit_id))
