"""`ekinerja recap …`: recaps of plans and realisation, non-compliance, advice, exports and charts; month close and
the holiday calendar."""
from __future__ import annotations

from pathlib import Path

import click

from .. import client
from ..output import EXIT_BAD_INPUT, emit, fail, json_option, table
from ..paging import every_page

PERIODS = ["day", "week", "month", "year"]
COUNTER_COLUMNS = ["plans", "reported", "approved", "recognised", "minutes", "pending", "oldest", "achievement %"]


def _pb():
    from ekinerja.recap.v1 import recap_pb2, recap_pb2_grpc
    return recap_pb2, recap_pb2_grpc


def _stub():
    return _pb()[0], client.stub("recap")


def _period(pb, name: str):
    return {"day": pb.PERIOD_DAY, "week": pb.PERIOD_WEEK, "month": pb.PERIOD_MONTH, "year": pb.PERIOD_YEAR}[name]


def _as_dict(message) -> dict:
    return client.as_dict(message, all_fields=True)


def _cells(c) -> list:
    return [c.plans, c.reported, c.approved, c.recognised_qty, c.approved_minutes, c.pending,
            c.oldest_pending_days, c.achievement_pct or "-"]


# what a kegiatan line's status means, in the words shown to people
KEGIATAN_STATUS = {"target_zero": "target bulan ini 0", "no_target": "belum ada target bulanan"}


def period_option(fn):
    fn = click.option("--date", default="", help="A date inside the period (YYYY-MM-DD); default today.")(fn)
    return click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)(fn)


def snapshot_option(fn):
    return click.option("--snapshot", is_flag=True, help="The closed month's snapshot (month only).")(fn)


def register(cli) -> None:
    @cli.group()
    def recap():
        """Recaps of plans vs realisation, compliance, recommendations, exports and charts."""

    @recap.command("me")
    @click.option("--nip", default="", help="Another employee (a subordinate, or in your instansi as admin).")
    @period_option
    @snapshot_option
    @json_option
    def me(nip, period, date, snapshot):
        """Your own recap (or a subordinate's with --nip)."""
        pb, stub = _stub()
        with client.rpc_errors():
            reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=nip, period=_period(pb, period), date=date,
                                                                     snapshot=snapshot),
                                          metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)

        def human(_):
            table(f"{reply.nama or reply.nip} · {reply.period_key} ({reply.start} … {reply.end})",
                  ["unit"] + COUNTER_COLUMNS,
                  [[row.unit_id] + _cells(row.counters) for row in reply.by_unit]
                  + [["TOTAL"] + _cells(reply.counters)])
            if reply.kegiatan:
                table("per kegiatan SKP: rencana vs laporan vs disetujui",
                      ["kegiatan", "satuan", "target", "rencana", "dilaporkan", "disetujui", "capaian %",
                       "kualitas"],
                      [[k.nama or k.kegiatan_id, k.satuan, k.target_qty or "-",
                        f"{k.planned_qty} ({k.plans})", f"{k.reported_qty} ({k.reported})",
                        f"{k.recognised_qty} ({k.approved})", KEGIATAN_STATUS.get(k.status) or k.achievement_pct or "-",
                        k.kualitas or ("belum dinilai" if k.kualitas_belum_dinilai else "-")]
                       for k in reply.kegiatan])
            for e in reply.evaluasi:  # PermenPANRB 6/2022: the rated periods overlapping this period
                kredit = f", angka kredit {e.angka_kredit}" if e.angka_kredit else ""
                table(f"evaluasi {e.periode} ({e.start} … {e.end}): predikat {e.predikat.replace('_', ' ')} "
                      f"(kode {e.kode_predikat}), hasil kerja {e.hasil_kerja.replace('_', ' ')}, perilaku "
                      f"{e.perilaku.replace('_', ' ')}{kredit}",
                      ["IKI", "uraian", "target", "realisasi", "bukti"],
                      [[x.nomor, x.uraian, f"{x.target} {x.satuan}".strip() or "-",
                        x.realisasi or x.uraian_realisasi or "-", str(x.bukti)] for x in e.realisasi])
        emit(_as_dict(reply), human)

    _register_tables(recap)
    _register_spread(recap)
    _register_compliance(recap)
    _register_exports(recap)
    _register_admin(recap)


def _register_tables(recap) -> None:
    """`recap unit` and `recap instansi`: the recap tables of a unit or an instansi."""
    @recap.command("unit")
    @click.argument("unit_id")
    @period_option
    @click.option("--all-pages/--first-page", default=True, show_default=True)
    @snapshot_option
    @json_option
    def unit(unit_id, period, date, all_pages, snapshot):
        """A unit kerja: one row per employee and the totals."""
        pb, stub = _stub()
        rows, token = [], ""
        with client.rpc_errors():
            while True:
                reply = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id=unit_id, period=_period(pb, period),
                                                                 date=date, page_size=500, page_token=token,
                                                                 snapshot=snapshot),
                                          metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
                rows += list(reply.rows)
                token = reply.next_page_token
                if not token or not all_pages:
                    break
        data = _as_dict(reply)
        data["rows"] = [_as_dict(r) for r in rows]

        def human(_):
            table(f"unit {reply.unit_nama or unit_id} · {reply.period_key} · {reply.employees} employees",
                  ["nip", "nama"] + COUNTER_COLUMNS,
                  [[r.nip, r.nama] + _cells(r.counters) for r in rows] + [["TOTAL", ""] + _cells(reply.totals)])
        emit(data, human)

    @recap.command("instansi")
    @click.argument("instansi_id")
    @period_option
    @snapshot_option
    @json_option
    def instansi(instansi_id, period, date, snapshot):
        """An instansi: one row per unit and the totals."""
        pb, stub = _stub()
        with client.rpc_errors():
            reply = stub.GetInstansiRecap(pb.GetInstansiRecapRequest(instansi_id=instansi_id,
                                                                     period=_period(pb, period), date=date,
                                                                     page_size=1000, snapshot=snapshot),
                                          metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        emit(_as_dict(reply), lambda _: table(
            f"instansi {instansi_id} · {reply.period_key}", ["unit", "nama", "employees"] + COUNTER_COLUMNS,
            [[r.unit_id, r.unit_nama, r.employees] + _cells(r.counters) for r in reply.rows]
            + [["TOTAL", "", ""] + _cells(reply.totals)]))


def _register_spread(recap) -> None:
    """`recap sebaran`: a unit's predikat spread in a PermenPANRB 6/2022 evaluation period."""
    @recap.command("sebaran")
    @click.argument("unit_id")
    @click.argument("periode")
    @json_option
    def sebaran(unit_id, periode):
        """Sebaran predikat kinerja pegawai satu unit pada periode (2025, 2025-Q1 atau 2025-03)."""
        pb, stub = _stub()
        with client.rpc_errors():
            reply = stub.GetUnitPredikatSpread(pb.GetUnitPredikatSpreadRequest(unit_id=unit_id, periode=periode),
                                               metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        emit(_as_dict(reply), lambda _: table(
            f"sebaran predikat unit {reply.unit_id} · {reply.periode} · {reply.jumlah_pegawai} pegawai",
            ["predikat", "kode", "jumlah"], [[c.predikat, c.kode_predikat, c.jumlah] for c in reply.jumlah]))


def _register_compliance(recap) -> None:
    """`recap noncompliance` and `recap advice`."""
    @recap.command("noncompliance")
    @click.option("--instansi", "instansi_id", default="", help="Default: your instansi.")
    @click.option("--unit", "unit_id", default="")
    @click.option("--from", "date_from", required=True, help="YYYY-MM-DD")
    @click.option("--to", "date_to", required=True, help="YYYY-MM-DD")
    @click.option("--backlog-days", type=int, default=3, show_default=True)
    @json_option
    def noncompliance(instansi_id, unit_id, date_from, date_to, backlog_days):
        """Who did not plan or report on a working day, review backlogs, SKP not approved."""
        pb, stub = _stub()
        rows, token = [], ""
        with client.rpc_errors():
            while True:
                reply = stub.ListNoncompliance(pb.ListNoncomplianceRequest(
                    instansi_id=instansi_id, unit_id=unit_id, date_from=date_from, date_to=date_to,
                    backlog_days=backlog_days, page_size=1000, page_token=token),
                    metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
                rows += list(reply.rows)
                token = reply.next_page_token
                if not token:
                    break
        emit({"rows": [_as_dict(r) for r in rows], "excluded_employee_days": reply.excluded_employee_days},
             lambda _: table(f"non-compliance {date_from} … {date_to} "
                             f"({reply.excluded_employee_days} employee-days excluded for leave/status)",
                             ["kind", "nip", "nama", "unit", "date", "count", "age (days)"],
                             [[r.kind, r.nip, r.nama, r.unit_id, r.tanggal, r.count or "", r.age_days or ""]
                              for r in rows]))

    @recap.command("advice")
    @click.option("--instansi", "instansi_id", default="")
    @click.option("--unit", "unit_id", default="")
    @click.option("--tahun", type=int, required=True)
    @click.option("--bulan", type=int, required=True)
    @json_option
    def advice(instansi_id, unit_id, tahun, bulan):
        """Recommendations for an instansi or unit, each with the numbers behind it."""
        pb, stub = _stub()
        with client.rpc_errors():
            reply = stub.GetRecommendations(pb.GetRecommendationsRequest(instansi_id=instansi_id, unit_id=unit_id,
                                                                         tahun=tahun, bulan=bulan),
                                            metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        emit(_as_dict(reply), lambda _: table(
            f"recommendations {tahun}-{bulan:02d}", ["kind", "subject", "message", "numbers"],
            [[r.kind, r.subject, r.message, ", ".join(f"{k}={v}" for k, v in sorted(r.numbers.items()))]
             for r in reply.recommendations]))


def _register_exports(recap) -> None:
    """`recap export` (CSV/XLSX) and `recap chart` (PNG)."""
    @recap.command("export")
    @click.option("--unit", "unit_id", default="")
    @click.option("--instansi", "instansi_id", default="")
    @period_option
    @click.option("--csv", "fmt", flag_value="csv", default=True)
    @click.option("--xlsx", "fmt", flag_value="xlsx")
    @click.option("--out", type=click.Path(dir_okay=False), default=None, help="Default: the suggested file name.")
    @json_option
    def export(unit_id, instansi_id, period, date, fmt, out):
        """A unit or instansi recap as CSV or XLSX."""
        if bool(unit_id) == bool(instansi_id):
            fail("give exactly one of --unit and --instansi", EXIT_BAD_INPUT)
        pb, stub = _stub()
        with client.rpc_errors():
            reply = stub.ExportRecap(pb.ExportRecapRequest(
                unit_id=unit_id, instansi_id=instansi_id, period=_period(pb, period), date=date,
                format=pb.EXPORT_FORMAT_CSV if fmt == "csv" else pb.EXPORT_FORMAT_XLSX),
                metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        path = Path(out or reply.filename)
        path.write_bytes(reply.content)
        emit({"file": str(path), "bytes": len(reply.content)}, lambda d: click.echo(f"wrote {d['file']}"))

    @recap.command("chart")
    @click.option("--nip", default="", help="An employee (default: you, unless --unit).")
    @click.option("--unit", "unit_id", default="")
    @click.option("--tahun", type=int, required=True)
    @click.option("--out", type=click.Path(dir_okay=False), required=True, help="FILE.png")
    @json_option
    def chart(nip, unit_id, tahun, out):
        """A PNG chart of achievement by month for an employee or a unit."""
        pb, stub = _stub()
        if not nip and not unit_id:
            from ..config import load_credentials
            nip = (load_credentials() or {}).get("nip") or ""
            if not nip:
                fail("give --nip or --unit", EXIT_BAD_INPUT)
        with client.rpc_errors():
            reply = stub.RenderChart(pb.RenderChartRequest(nip=nip, unit_id=unit_id, tahun=tahun),
                                     metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        Path(out).write_bytes(reply.png)
        emit({"file": out, "achievement_pct": list(reply.achievement_pct)},
             lambda d: click.echo(f"wrote {out}"))


def _register_admin(recap) -> None:
    """`recap close` and `recap holiday`: what admins do."""
    @recap.command("close")
    @click.option("--instansi", "instansi_id", required=True)
    @click.option("--tahun", type=int, required=True)
    @click.option("--bulan", type=int, required=True)
    @json_option
    def close(instansi_id, tahun, bulan):
        """Close an instansi's month: freeze its recap as a snapshot and publish recap_closed (idempotent)."""
        pb, stub = _stub()
        with client.rpc_errors():
            reply = stub.CloseMonth(pb.CloseMonthRequest(instansi_id=instansi_id, tahun=tahun, bulan=bulan),
                                    metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        emit(_as_dict(reply), lambda _: click.echo(
            f"{instansi_id} {tahun}-{bulan:02d} {'was already closed' if reply.already_closed else 'closed'} "
            f"at {reply.closed_at} by {reply.closed_by}: {reply.rows} rows, {reply.employees} employees"))

    @recap.command("holiday")
    @click.argument("action", type=click.Choice(["set", "remove", "list"]))
    @click.option("--date", "tanggal", default="", help="YYYY-MM-DD (set/remove)")
    @click.option("--nama", default="", help="What the day is (set).")
    @click.option("--instansi", "instansi_id", default="", help="Regional day of this instansi; empty: national.")
    @click.option("--from", "date_from", default="", help="list: YYYY-MM-DD")
    @click.option("--to", "date_to", default="", help="list: YYYY-MM-DD")
    @json_option
    def holiday(action, tanggal, nama, instansi_id, date_from, date_to):
        """Non-working days: national (admin_bkn) or regional (admin_instansi); compliance skips them."""
        pb, stub = _stub()
        with client.rpc_errors():
            if action == "list":
                reply = every_page(lambda q: stub.ListHolidays(q, metadata=client.metadata(),
                                                               timeout=client.DEFAULT_TIMEOUT),
                                   pb.ListHolidaysRequest(instansi_id=instansi_id, date_from=date_from,
                                                          date_to=date_to), "holidays")
                emit(_as_dict(reply), lambda _: table("holidays", ["date", "nama", "instansi"],
                                                      [[h.tanggal, h.nama, h.instansi_id or "(national)"]
                                                       for h in reply.holidays]))
                return
            reply = stub.SetHoliday(pb.SetHolidayRequest(
                holiday=pb.Holiday(tanggal=tanggal, nama=nama, instansi_id=instansi_id), remove=action == "remove"),
                metadata=client.metadata(), timeout=client.DEFAULT_TIMEOUT)
        emit(_as_dict(reply), lambda _: click.echo(
            f"{'removed' if action == 'remove' else 'set'} {reply.holiday.tanggal} "
            f"({reply.holiday.instansi_id or 'national'})"))
