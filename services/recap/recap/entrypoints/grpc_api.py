"""Maps recap's gRPC messages to use cases and back; one function per RPC, each one unit of work
(`adapters.unit_of_work.SqlRecapUnitOfWork`) that this module opens and ends.

Where a view reads: the read URL (a streaming replica, docs/scale.md), since every number here is a projection of
events that already arrive seconds after the fact, and a replica's lag (well under a second) adds little to that;
a closed month's snapshot, read right after the caller's own CloseMonth, and the holidays an operator lists right
after SetHoliday read the primary. Write RPCs honour `x-idempotency-key`: the first response is stored with the
change, a retry gets it back.
"""
from __future__ import annotations

from ekinerja.recap.v1 import recap_pb2 as pb
from ekinerja_platform.idempotency import run_once_in

from ..adapters import exports
from ..adapters.unit_of_work import SqlRecapUnitOfWork
from ..application import closing, recaps, recommendations, spread
from ..domain.achievement import show

PERIODS = {pb.PERIOD_DAY: "day", pb.PERIOD_WEEK: "week", pb.PERIOD_MONTH: "month", pb.PERIOD_YEAR: "year"}
FORMATS = {pb.EXPORT_FORMAT_CSV: "csv", pb.EXPORT_FORMAT_XLSX: "xlsx"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _view(db, fresh: bool = False) -> SqlRecapUnitOfWork:
    return SqlRecapUnitOfWork(db, read_only=not fresh)


# -- mapping -----------------------------------------------------------------------------------------------------

def _counters(line) -> pb.Counters:
    c = line.counters
    return pb.Counters(plans=c["plans"], planned_qty=show(c["planned_qty"]), reported=c["reported"],
                       reported_qty=show(c["reported_qty"]), reported_minutes=c["reported_minutes"],
                       approved=c["approved"], recognised_qty=show(c["recognised_qty"]),
                       approved_minutes=c["approved_minutes"], pending=c["pending"],
                       oldest_pending_days=line.oldest_pending_days, revisions=c["revisions"],
                       achievement_pct=show(line.achievement))


def _shown_counters(cells) -> pb.Counters:
    """The read port's `PAGE_COLUMNS[3:]`, already in the API's form."""
    (plans, planned_qty, reported, reported_qty, reported_minutes, approved, recognised_qty, approved_minutes,
     pending, oldest_pending_days, revisions, achievement_pct) = cells
    return pb.Counters(plans=plans, planned_qty=planned_qty, reported=reported, reported_qty=reported_qty,
                       reported_minutes=reported_minutes, approved=approved, recognised_qty=recognised_qty,
                       approved_minutes=approved_minutes, pending=pending, oldest_pending_days=oldest_pending_days,
                       revisions=revisions, achievement_pct=achievement_pct)


def _row(line) -> pb.EmployeeRecapRow:
    return pb.EmployeeRecapRow(nip=line.key, nama=line.nama, unit_id=line.unit_id, counters=_counters(line))


def _kegiatan(k: dict) -> pb.KegiatanRecap:
    return pb.KegiatanRecap(skp_id=k["skp_id"], kegiatan_id=k["kegiatan_id"], nama=k["nama"],
                            target_qty=show(k["target_qty"]), planned_qty=show(k["planned_qty"]),
                            reported_qty=show(k["reported_qty"]), recognised_qty=show(k["recognised_qty"]),
                            achievement_pct=show(k["achievement"]), kualitas=show(k["kualitas"]),
                            status=k["status"], satuan=k["satuan"], plans=k["plans"], reported=k["reported"],
                            approved=k["approved"], kualitas_belum_dinilai=k["kualitas_belum_dinilai"])


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


# -- RPCs --------------------------------------------------------------------------------------------------------

def get_employee_recap(db, call, request):
    principal = call.require_principal()
    with _view(db, request.snapshot) as uow:
        recap = recaps.employee_recap(uow, principal, PERIODS.get(request.period, ""), request.date, request.nip,
                                      request.snapshot)
    return pb.GetEmployeeRecapResponse(
        nip=recap["nip"], nama=recap["nama"], period_key=recap["period_key"], start=recap["start"].isoformat(),
        end=recap["end"].isoformat(), counters=_counters(recap["total"]),
        by_unit=[_row(line) for line in recap["by_unit"]],
        kegiatan=[_kegiatan(k) for k in recap["kegiatan"]],
        evaluasi=[_evaluasi(e) for e in recap.get("evaluasi", [])])


def get_unit_recap(db, call, request):
    principal = call.require_principal()
    with _view(db, request.snapshot) as uow:
        recap = recaps.unit_recap(uow, principal, request.unit_id, PERIODS.get(request.period, ""), request.date,
                                  request.snapshot, request.page_size, request.page_token)
    if recap.shown:  # the live view: rows and total already in the API's form
        rows = [pb.EmployeeRecapRow(nip=row[0], nama=row[1], unit_id=row[2], counters=_shown_counters(row[3:]))
                for row in recap.rows]
        totals = _shown_counters(recap.total[3:])
    else:
        rows, totals = [_row(line) for line in recap.rows], _counters(recap.total)
    return pb.GetUnitRecapResponse(unit_id=recap.unit_id, unit_nama=recap.unit_nama, period_key=recap.period_key,
                                   rows=rows, totals=totals, employees=recap.employees,
                                   next_page_token=recap.next_page_token)


def _unit_row(line) -> pb.UnitRecapRow:
    return pb.UnitRecapRow(unit_id=line.key, unit_nama=line.nama, employees=line.employees,
                           counters=_counters(line))


def get_instansi_recap(db, call, request):
    principal = call.require_principal()
    with _view(db, request.snapshot) as uow:
        recap = recaps.instansi_recap(uow, principal, request.instansi_id, PERIODS.get(request.period, ""),
                                      request.date, request.snapshot, request.page_size, request.page_token)
    return pb.GetInstansiRecapResponse(
        instansi_id=recap["instansi_id"], period_key=recap["period_key"],
        rows=[_unit_row(line) for line in recap["rows"]], totals=_counters(recap["total"]),
        next_page_token=recap["next_page_token"])


def list_noncompliance(db, call, request):
    principal = call.require_principal()
    with _view(db) as uow:
        found = recaps.noncompliance(uow, principal, request.instansi_id, request.unit_id, request.date_from,
                                     request.date_to, request.backlog_days, request.page_size, request.page_token)
    return pb.ListNoncomplianceResponse(
        rows=[pb.NoncomplianceRow(nip=f.nip, nama=found.names.get(f.nip, "") or "", unit_id=f.unit_id, kind=f.kind,
                                  tanggal=f.tanggal.isoformat() if f.tanggal else "", count=f.count,
                                  age_days=f.age_days) for f in found.findings],
        next_page_token=found.next_page_token, excluded_employee_days=found.excluded_employee_days)


def get_recommendations(db, call, request):
    principal = call.require_principal()
    with _view(db) as uow:
        found = recommendations.recommendations(uow, principal, request.instansi_id, request.unit_id,
                                                request.tahun, request.bulan, request.backlog_days, recaps.today())
    return pb.GetRecommendationsResponse(recommendations=[
        pb.Recommendation(kind=a.kind, subject=a.subject, message=a.message, numbers=a.numbers) for a in found])


def export_recap(db, call, request):
    principal = call.require_principal()
    with _view(db) as uow:
        table = recaps.export_recap(uow, principal, PERIODS.get(request.period, ""), request.date,
                                    FORMATS.get(request.format, ""), request.unit_id, request.instansi_id)
    if table.format == "csv":
        return pb.ExportRecapResponse(filename=table.filename + ".csv", content_type="text/csv",
                                      content=exports.to_csv(table.cells))
    return pb.ExportRecapResponse(filename=table.filename + ".xlsx", content_type=XLSX,
                                  content=exports.to_xlsx(table.title, table.cells))


def render_chart(db, call, request):
    principal = call.require_principal()
    with _view(db) as uow:
        chart = recaps.achievement_chart(uow, principal, request.tahun, request.nip, request.unit_id)
    return pb.RenderChartResponse(png=exports.achievement_chart(chart.title, chart.values),
                                  achievement_pct=[show(v) for v in chart.values])


def close_month(db, call, request):
    principal = call.require_principal()

    def work(uow):
        done = closing.close_month(uow, principal, request.instansi_id, request.tahun, request.bulan,
                                   recaps.today())
        total = done.recap["total"]
        return pb.CloseMonthResponse(
            instansi_id=request.instansi_id.strip(), tahun=request.tahun, bulan=request.bulan,
            closed_at=done.close.closed_at.isoformat(), closed_by=done.close.closed_by, rows=done.rows,
            employees=total.employees, already_closed=done.already_closed, totals=_counters(total))
    return run_once_in(SqlRecapUnitOfWork(db), call, "recap.CloseMonth", request, pb.CloseMonthResponse, work)


def set_holiday(db, call, request):
    principal = call.require_principal()

    def work(uow):
        holiday = request.holiday
        day, removed = closing.set_holiday(uow, principal, holiday.tanggal, holiday.instansi_id, holiday.nama,
                                           request.remove)
        return pb.SetHolidayResponse(holiday=pb.Holiday(tanggal=day.tanggal.isoformat(), nama=day.nama,
                                                        instansi_id=day.instansi_id), removed=removed)
    return run_once_in(SqlRecapUnitOfWork(db), call, "recap.SetHoliday", request, pb.SetHolidayResponse, work)


def list_holidays(db, call, request):
    principal = call.require_principal()
    with SqlRecapUnitOfWork(db) as uow:  # the primary: an operator lists right after SetHoliday
        rows, token = closing.list_holidays(uow, principal, request.instansi_id, request.date_from, request.date_to,
                                            request.page_size, request.page_token)
    return pb.ListHolidaysResponse(next_page_token=token, holidays=[
        pb.Holiday(tanggal=r.tanggal.isoformat(), nama=r.nama, instansi_id=r.instansi_id) for r in rows])


def get_unit_predikat_spread(db, call, request):
    principal = call.require_principal()
    with SqlRecapUnitOfWork(db) as uow:
        unit_id, periode, counts = spread.unit_predikat_spread(uow, principal, request.unit_id, request.periode)
    return pb.GetUnitPredikatSpreadResponse(
        unit_id=unit_id, periode=periode, jumlah_pegawai=sum(counts.values()),
        jumlah=[pb.PredikatJumlah(predikat=p, kode_predikat=i, jumlah=counts[p])
                for i, p in enumerate(spread.PREDIKAT, 1)])
