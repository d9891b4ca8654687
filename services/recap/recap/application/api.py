"""recap's RPCs: validate the request, authorise the caller, run the query, map to protobuf. One function per RPC."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from ekinerja.recap.v1 import recap_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_platform.idempotency import run_once
from ekinerja_platform.pagination import page_request
from recap.application import closing, exports, policy, queries
from recap.domain.achievement import show
from recap.domain.periods import period_bounds

PERIODS = {pb.PERIOD_DAY: "day", pb.PERIOD_WEEK: "week", pb.PERIOD_MONTH: "month", pb.PERIOD_YEAR: "year"}
MAX_PAGE = 1000
MAX_RANGE_DAYS = 92


def today() -> dt.date:
    return clock.today()


# -- request checks ----------------------------------------------------------------------------------------------

def _period(value) -> str:
    if value not in PERIODS:
        raise InvalidArgument("must be PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH or PERIOD_YEAR", field="period")
    return PERIODS[value]


def _day(raw: str, field: str, default: dt.date | None = None) -> dt.date:
    if not raw:
        if default is None:
            raise InvalidArgument("is required (YYYY-MM-DD)", field=field)
        return default
    try:
        if len(raw) != 10:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidArgument("must be a date YYYY-MM-DD", field=field) from None


def _required(value: str, field: str) -> str:
    if not value or not value.strip():
        raise InvalidArgument("is required", field=field)
    return value.strip()


def _view(db, fresh: bool = False):
    """Where a recap view reads: the read URL (a streaming replica, docs/scale.md), since every number here is a
    projection of events that already arrive seconds after the fact, and a replica's lag (well under a second)
    adds little to that; `fresh` (a closed month's snapshot, read right after the caller's own CloseMonth) reads
    the primary."""
    return db.transaction() if fresh else db.read()


def _page(request, fingerprint: str) -> tuple[int, int]:
    size = request.page_size or 100
    if size < 0 or size > MAX_PAGE:
        raise InvalidArgument(f"must be between 1 and {MAX_PAGE}", field="page_size")
    if not request.page_token:
        return 0, size
    try:
        token = json.loads(base64.urlsafe_b64decode(request.page_token.encode()))
        offset, seen = int(token["o"]), token["f"]
    except Exception:
        raise InvalidArgument("is not a token this service issued", field="page_token") from None
    if seen != fingerprint or offset < 0:
        raise InvalidArgument("belongs to a different query", field="page_token")
    return offset, size


def _next_token(offset: int, size: int, total: int, fingerprint: str) -> str:
    if offset + size >= total:
        return ""
    return base64.urlsafe_b64encode(json.dumps({"o": offset + size, "f": fingerprint}).encode()).decode()


def _fingerprint(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


# -- mapping -----------------------------------------------------------------------------------------------------

def _counters(line: queries.Line) -> pb.Counters:
    c = line.counters
    return pb.Counters(plans=c["plans"], planned_qty=show(c["planned_qty"]), reported=c["reported"],
                       reported_qty=show(c["reported_qty"]), reported_minutes=c["reported_minutes"],
                       approved=c["approved"], recognised_qty=show(c["recognised_qty"]),
                       approved_minutes=c["approved_minutes"], pending=c["pending"],
                       oldest_pending_days=line.oldest_pending_days, revisions=c["revisions"],
                       achievement_pct=show(line.achievement))


def _year_line(line: queries.Line, kind: str) -> queries.Line:
    """A year counts recognised work without `proses` entries (DOMAIN §0.15)."""
    if kind == "year":
        line.counters = dict(line.counters, recognised_qty=line.counters["recognised_qty_final"])
    return line


def _row(line, kind, personal=True) -> pb.EmployeeRecapRow:
    return pb.EmployeeRecapRow(nip=line.key, nama=line.nama, unit_id=line.unit_id,
                               counters=_counters(_year_line(line, kind)))


# -- RPCs --------------------------------------------------------------------------------------------------------

def get_employee_recap(db, call, request):
    principal = call.require_principal()
    kind = _period(request.period)
    day = _day(request.date, "date", today())
    nip = request.nip.strip() or principal.nip
    if not nip:
        raise InvalidArgument("is required for a caller without a NIP", field="nip")
    start, end = period_bounds(kind, day)
    _snapshot_period(request, kind)
    with _view(db, request.snapshot) as session:
        policy.authorize("GetEmployeeRecap", principal, policy.Target(nip=nip, start=start, end=end), session)
        if request.snapshot:
            recap = closing.snapshot_employee(session, policy.instansi_of_employee(session, nip), nip, day.year,
                                              day.month)
        else:
            recap = queries.employee_recap(session, nip, kind, day, today())
    return pb.GetEmployeeRecapResponse(
        nip=nip, nama=recap["nama"], period_key=recap["period_key"], start=start.isoformat(), end=end.isoformat(),
        counters=_counters(_year_line(recap["total"], kind)),
        by_unit=[_row(line, kind) for line in recap["by_unit"]],
        kegiatan=[pb.KegiatanRecap(skp_id=k["skp_id"], kegiatan_id=k["kegiatan_id"], nama=k["nama"],
                                   target_qty=show(k["target_qty"]), planned_qty=show(k["planned_qty"]),
                                   reported_qty=show(k["reported_qty"]), recognised_qty=show(k["recognised_qty"]),
                                   achievement_pct=show(k["achievement"]), kualitas=show(k["kualitas"]),
                                   status=k["status"], satuan=k["satuan"], plans=k["plans"], reported=k["reported"],
                                   approved=k["approved"], kualitas_belum_dinilai=k["kualitas_belum_dinilai"])
                  for k in recap["kegiatan"]],
        evaluasi=[_evaluasi(e) for e in recap.get("evaluasi", [])])


def _evaluasi(e: dict) -> pb.EvaluasiPeriodik:
    ak = e["angka_kredit"]
    return pb.EvaluasiPeriodik(
        skp_id=e["skp_id"], periode=e["periode"], jenis_periode=e["jenis_periode"],
        start=e["period_start"].isoformat(), end=e["period_end"].isoformat(), bulan=e["bulan"],
        hasil_kerja=e["hasil_kerja"], perilaku=e["perilaku"], predikat=e["predikat"],
        kode_predikat=e["kode_predikat"], angka_kredit=f"{ak:.3f}" if ak is not None else "",
        penilai_nip=e["penilai_nip"] or "",
        realisasi=[pb.RealisasiIkiRecap(
            rhk_id=x.get("rhk_id") or "", rhk_uraian=x.get("rhk_uraian") or "", iki_id=x.get("iki_id") or "",
            nomor=x.get("nomor") or "", uraian=x.get("uraian") or "", aspek=x.get("aspek") or "",
            target=x.get("target") or "", satuan=x.get("satuan") or "", realisasi=x.get("realisasi") or "",
            uraian_realisasi=x.get("uraian_realisasi") or "", bukti=len(x.get("bukti") or []))
            for x in e["realisasi"]])


def _snapshot_period(request, kind) -> None:
    if request.snapshot and kind != "month":
        raise InvalidArgument("a snapshot exists for a closed month only (period PERIOD_MONTH)", field="snapshot")


def _unit_recap(db, call, rpc, unit_id, kind, day, snapshot=False, page=None):
    """The unit's recap as `Line`s, or with `page` (offset, size) and no snapshot, `queries.unit_page`'s rows."""
    principal = call.require_principal()
    with _view(db, snapshot) as session:
        view = policy.authorize(rpc, principal, policy.Target(unit_id=unit_id), session)
        visible = None
        if view == policy.SUBORDINATES:
            start, end = period_bounds(kind, day)
            visible = policy.subordinates(session, principal.nip, start, end) | {principal.nip}
        if snapshot:
            recap = closing.snapshot_unit(session, policy.instansi_of_unit(session, unit_id), unit_id, day.year,
                                          day.month, visible)
        elif page is not None:
            offset, size = page
            recap = queries.unit_page(session, unit_id, kind, day, today(), visible, offset,
                                      0 if view == policy.AGGREGATE else size)
        else:
            recap = queries.unit_recap(session, unit_id, kind, day, today(), visible)
    return view, recap


def _shown_counters(cells) -> pb.Counters:
    """`queries.PAGE_COLUMNS[3:]`, already in the API's form."""
    (plans, planned_qty, reported, reported_qty, reported_minutes, approved, recognised_qty, approved_minutes,
     pending, oldest_pending_days, revisions, achievement_pct) = cells
    return pb.Counters(plans=plans, planned_qty=planned_qty, reported=reported, reported_qty=reported_qty,
                       reported_minutes=reported_minutes, approved=approved, recognised_qty=recognised_qty,
                       approved_minutes=approved_minutes, pending=pending, oldest_pending_days=oldest_pending_days,
                       revisions=revisions, achievement_pct=achievement_pct)


def get_unit_recap(db, call, request):
    unit_id = _required(request.unit_id, "unit_id")
    kind = _period(request.period)
    day = _day(request.date, "date", today())
    _snapshot_period(request, kind)
    fingerprint = _fingerprint("unit", unit_id, kind, day, request.snapshot)
    offset, size = _page(request, fingerprint)
    if not request.snapshot:  # the live view: only the page is built (queries.unit_page)
        view, recap = _unit_recap(db, call, "GetUnitRecap", unit_id, kind, day, page=(offset, size))
        return pb.GetUnitRecapResponse(
            unit_id=unit_id, unit_nama=recap["unit_nama"], period_key=recap["period_key"],
            rows=[pb.EmployeeRecapRow(nip=row[0], nama=row[1], unit_id=row[2], counters=_shown_counters(row[3:]))
                  for row in recap["rows"]],
            totals=_shown_counters(recap["total"][3:]), employees=recap["members"],
            next_page_token=_next_token(offset, size, 0 if view == policy.AGGREGATE else recap["members"],
                                        fingerprint))
    view, recap = _unit_recap(db, call, "GetUnitRecap", unit_id, kind, day, request.snapshot)
    rows = [] if view == policy.AGGREGATE else recap["rows"]
    return pb.GetUnitRecapResponse(
        unit_id=unit_id, unit_nama=recap["unit_nama"], period_key=recap["period_key"],
        rows=[_row(line, kind) for line in rows[offset:offset + size]],
        totals=_counters(_year_line(recap["total"], kind)), employees=recap["total"].employees,
        next_page_token=_next_token(offset, size, len(rows), fingerprint))


def _instansi_recap(db, call, rpc, instansi_id, kind, day, snapshot=False):
    principal = call.require_principal()
    policy.authorize(rpc, principal, policy.Target(instansi_id=instansi_id))
    with _view(db, snapshot) as session:
        if snapshot:
            return closing.snapshot_instansi(session, instansi_id, day.year, day.month)
        return queries.instansi_recap(session, instansi_id, kind, day, today())


def _unit_row(line, kind) -> pb.UnitRecapRow:
    return pb.UnitRecapRow(unit_id=line.key, unit_nama=line.nama, employees=line.employees,
                           counters=_counters(_year_line(line, kind)))


def get_instansi_recap(db, call, request):
    instansi_id = _required(request.instansi_id, "instansi_id")
    kind = _period(request.period)
    day = _day(request.date, "date", today())
    _snapshot_period(request, kind)
    fingerprint = _fingerprint("instansi", instansi_id, kind, day, request.snapshot)
    offset, size = _page(request, fingerprint)
    recap = _instansi_recap(db, call, "GetInstansiRecap", instansi_id, kind, day, request.snapshot)
    rows = recap["rows"]
    return pb.GetInstansiRecapResponse(
        instansi_id=instansi_id, period_key=recap["period_key"],
        rows=[_unit_row(line, kind) for line in rows[offset:offset + size]],
        totals=_counters(_year_line(recap["total"], kind)),
        next_page_token=_next_token(offset, size, len(rows), fingerprint))


def list_noncompliance(db, call, request):
    principal = call.require_principal()
    instansi_id = _required(request.instansi_id or (principal.instansi_id or ""), "instansi_id")
    start = _day(request.date_from, "date_from")
    end = _day(request.date_to, "date_to")
    if end < start:
        raise InvalidArgument("must not be before date_from", field="date_to")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidArgument(f"the range may span at most {MAX_RANGE_DAYS} days", field="date_to")
    if request.backlog_days < 0:
        raise InvalidArgument("must not be negative", field="backlog_days")
    backlog_days = request.backlog_days or 3
    fingerprint = _fingerprint("noncompliance", instansi_id, request.unit_id, start, end, backlog_days)
    offset, size = _page(request, fingerprint)
    view = policy.authorize("ListNoncompliance", principal, policy.Target(instansi_id=instansi_id))
    with _view(db) as session:
        findings, names, excluded = queries.noncompliance(session, instansi_id, request.unit_id or None, start, end,
                                                          today(), backlog_days)
        if view == policy.SUBORDINATES:
            visible = policy.subordinates(session, principal.nip, start, end) | {principal.nip}
            findings = [f for f in findings if f.nip in visible]
    findings.sort(key=lambda f: (f.kind, f.nip, f.tanggal or dt.date.min))
    return pb.ListNoncomplianceResponse(
        rows=[pb.NoncomplianceRow(nip=f.nip, nama=names.get(f.nip, "") or "", unit_id=f.unit_id, kind=f.kind,
                                  tanggal=f.tanggal.isoformat() if f.tanggal else "", count=f.count,
                                  age_days=f.age_days) for f in findings[offset:offset + size]],
        next_page_token=_next_token(offset, size, len(findings), fingerprint),
        excluded_employee_days=excluded if view != policy.SUBORDINATES else 0)


def get_recommendations(db, call, request):
    principal = call.require_principal()
    instansi_id = _required(request.instansi_id or (principal.instansi_id or ""), "instansi_id")
    if not 2000 <= request.tahun <= 2100:
        raise InvalidArgument("must be a year between 2000 and 2100", field="tahun")
    if not 1 <= request.bulan <= 12:
        raise InvalidArgument("must be a month 1-12", field="bulan")
    if request.backlog_days < 0:
        raise InvalidArgument("must not be negative", field="backlog_days")
    view = policy.authorize("GetRecommendations", principal, policy.Target(instansi_id=instansi_id))
    with _view(db) as session:
        found = queries.recommendations(session, instansi_id, request.unit_id or None, request.tahun, request.bulan,
                                        today(), request.backlog_days or 3)
    if view == policy.AGGREGATE:
        found = [a for a in found if not a.personal]
    return pb.GetRecommendationsResponse(recommendations=[
        pb.Recommendation(kind=a.kind, subject=a.subject, message=a.message, numbers=a.numbers) for a in found])


def _line_cells(line, kind, personal: bool) -> list:
    c = _year_line(line, kind).counters
    return [line.key if personal or not line.unit_id else "", line.nama if personal else "", line.unit_id,
            line.employees or "", c["plans"], show(c["planned_qty"]), c["reported"], show(c["reported_qty"]),
            c["reported_minutes"], c["approved"], show(c["recognised_qty"]), c["approved_minutes"], c["pending"],
            line.oldest_pending_days, c["revisions"], show(line.achievement)]


def export_recap(db, call, request):
    kind = _period(request.period)
    day = _day(request.date, "date", today())
    if request.format not in (pb.EXPORT_FORMAT_CSV, pb.EXPORT_FORMAT_XLSX):
        raise InvalidArgument("must be EXPORT_FORMAT_CSV or EXPORT_FORMAT_XLSX", field="format")
    if bool(request.unit_id) == bool(request.instansi_id):
        raise InvalidArgument("give exactly one of unit_id and instansi_id", field="unit_id")
    if request.unit_id:
        view, recap = _unit_recap(db, call, "ExportRecap", request.unit_id, kind, day)
        rows = [] if view == policy.AGGREGATE else recap["rows"]
        cells = [_line_cells(line, kind, True) for line in rows]
        scope = f"unit-{request.unit_id}"
    else:
        recap = _instansi_recap(db, call, "ExportRecap", request.instansi_id, kind, day)
        cells = [[line.key, line.nama, line.key] + _line_cells(line, kind, False)[3:] for line in recap["rows"]]
        scope = f"instansi-{request.instansi_id}"
    total = recap["total"]
    cells.append(["TOTAL", "", ""] + _line_cells(total, kind, False)[3:])
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f"recap-{scope}-{recap['period_key']}")
    if request.format == pb.EXPORT_FORMAT_CSV:
        return pb.ExportRecapResponse(filename=safe + ".csv", content_type="text/csv",
                                      content=exports.to_csv(cells))
    return pb.ExportRecapResponse(
        filename=safe + ".xlsx", content=exports.to_xlsx(recap["period_key"], cells),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def render_chart(db, call, request):
    principal = call.require_principal()
    if bool(request.nip) == bool(request.unit_id):
        raise InvalidArgument("give exactly one of nip and unit_id", field="nip")
    if not 2000 <= request.tahun <= 2100:
        raise InvalidArgument("must be a year between 2000 and 2100", field="tahun")
    start, end = dt.date(request.tahun, 1, 1), dt.date(request.tahun, 12, 31)
    with _view(db) as session:
        policy.authorize("RenderChart", principal,
                         policy.Target(nip=request.nip, unit_id=request.unit_id, start=start, end=end), session)
        if request.nip:
            values = queries.monthly_series(session, request.tahun, nip=request.nip)
            names = queries.names_of(session, [request.nip])
            title = f"Capaian bulanan {request.tahun}: {names.get(request.nip) or 'pegawai'}"
        else:
            values = queries.monthly_series(session, request.tahun, unit_id=request.unit_id)
            title = f"Capaian bulanan {request.tahun}: unit {request.unit_id}"
    return pb.RenderChartResponse(png=exports.achievement_chart(title, values),
                                  achievement_pct=[show(v) for v in values])


def _month(request) -> tuple[int, int]:
    if not 2000 <= request.tahun <= 2100:
        raise InvalidArgument("must be a year between 2000 and 2100", field="tahun")
    if not 1 <= request.bulan <= 12:
        raise InvalidArgument("must be a month 1-12", field="bulan")
    return request.tahun, request.bulan


def close_month(db, call, request):
    principal = call.require_principal()
    instansi_id = _required(request.instansi_id, "instansi_id")
    tahun, bulan = _month(request)
    policy.authorize("CloseMonth", principal, policy.Target(instansi_id=instansi_id))

    def work(session):
        done = closing.close_month(session, instansi_id, tahun, bulan, principal.subject, today())
        close, recap = done["close"], done["recap"]
        return pb.CloseMonthResponse(
            instansi_id=instansi_id, tahun=tahun, bulan=bulan, closed_at=close.closed_at.isoformat(),
            closed_by=close.closed_by, rows=done["rows"], employees=recap["total"].employees,
            already_closed=done["already_closed"], totals=_counters(recap["total"]))
    return run_once(db, call, "recap.CloseMonth", request, pb.CloseMonthResponse, work)


def set_holiday(db, call, request):
    principal = call.require_principal()
    holiday = request.holiday
    tanggal = _day(holiday.tanggal, "holiday.tanggal")
    instansi_id = holiday.instansi_id.strip()
    nama = holiday.nama.strip()
    if not request.remove and not nama:
        raise InvalidArgument("is required (what the day is)", field="holiday.nama")
    if len(nama) > 200:
        raise InvalidArgument("must be at most 200 characters", field="holiday.nama")
    policy.authorize("SetHoliday", principal, policy.Target(instansi_id=instansi_id))

    def work(session):
        removed = closing.set_holiday(session, instansi_id, tanggal, nama, request.remove, principal.subject)
        return pb.SetHolidayResponse(
            holiday=pb.Holiday(tanggal=tanggal.isoformat(), nama=nama, instansi_id=instansi_id), removed=removed)
    return run_once(db, call, "recap.SetHoliday", request, pb.SetHolidayResponse, work)


def list_holidays(db, call, request):
    principal = call.require_principal()
    policy.authorize("ListHolidays", principal)
    start = _day(request.date_from, "date_from")
    end = _day(request.date_to, "date_to")
    if end < start:
        raise InvalidArgument("must not be before date_from", field="date_to")
    if (end - start).days > 366:
        raise InvalidArgument("the range may span at most 366 days", field="date_to")
    page = page_request(request.page_size, request.page_token, "recap.ListHolidays", request.instansi_id.strip(),
                        start, end, key=(dt.date, str))
    with db.transaction() as session:  # the primary: an operator lists right after SetHoliday
        rows = closing.list_holidays(session, request.instansi_id.strip(), start, end)  # at most a year's days
    if page.after:
        rows = [r for r in rows if (r.tanggal, r.instansi_id) > page.after]
    rows, token = page.split(rows[:page.size + 1], lambda r: (r.tanggal, r.instansi_id))
    return pb.ListHolidaysResponse(next_page_token=token, holidays=[
        pb.Holiday(tanggal=r.tanggal.isoformat(), nama=r.nama, instansi_id=r.instansi_id) for r in rows])
