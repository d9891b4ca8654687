"""`ekinerja des …` and `ekinerja lapor "…"`: plans, daily reports, review and locks, quick entry and CSV import
against the des service. Writes carry an idempotency key, so a retried command never records twice."""
from __future__ import annotations

import csv
import sys
import uuid

import click

from .. import client
from ..output import EXIT_BAD_INPUT, emit, fail, json_option, table
from ..paging import every_page

JENIS = {"skp": 1, "non_skp": 2, "tugas_tambahan": 3}


def _pb():
    from ekinerja.des.v1 import des_pb2
    return des_pb2


def _call(method: str, request, *, write: bool = False, key: str | None = None):
    return client.call("des", method, request, write=write, key=key)


_dict = client.as_dict


def _activities(data: dict, title: str) -> None:
    """The full id is printed: `des review approve|revise` and `des report edit|send` accept it as printed."""
    table(title, ["id", "tanggal", "kegiatan", "uraian", "jumlah", "status", "diakui"],
          [[a["activity_id"], a.get("tanggal"), a.get("kegiatan_nama") or a.get("kegiatan_id", a.get("jenis", "")),
            a.get("uraian"), f"{a.get('kuantitas')} {a.get('satuan')}", a.get("state"),
            a.get("kuantitas_diakui", "")] for a in data.get("activities", [])])


def _queue(data: dict) -> None:
    """The penilai's queue: who, when, which kegiatan, what and how much, and the id to approve or revise."""
    table("menunggu penilaian", ["id", "pegawai", "tanggal", "kegiatan", "uraian", "jumlah"],
          [[a["activity_id"], a.get("nama") or a.get("nip"), a.get("tanggal"),
            a.get("kegiatan_nama") or a.get("kegiatan_id", ""), a.get("uraian"),
            f"{a.get('kuantitas')} {a.get('satuan')}"] for a in data.get("activities", [])])
    unrated = data.get("kualitas_belum_dinilai", [])
    if unrated:
        table("kualitas belum dinilai (ekinerja des quality set)", ["pegawai", "nip", "skp", "kegiatan", "bulan",
                                                                     "realisasi"],
              [[u.get("nama", ""), u.get("nip"), u.get("skp_id"), u.get("kegiatan_nama") or u.get("kegiatan_id"),
                u.get("bulan"), f"{u.get('realisasi')} {u.get('satuan', '')}"] for u in unrated])



def _activity(a: dict) -> None:
    click.echo(f"{a['activity_id']}  {a.get('tanggal')}  {a.get('state')}  v{a.get('version')}  "
               f"{a.get('kuantitas')} {a.get('satuan')}  {a.get('uraian')}")
    if a.get("catatan"):
        click.echo(f"  catatan penilai: {a['catatan']}")


def register(cli) -> None:
    @cli.command("lapor")
    @click.argument("text", nargs=-1, required=True)
    @json_option
    def lapor(text):
        """Quick entry like SMS: `ekinerja lapor "LAPOR K2 3 laporan menyusun laporan keuangan"`."""
        reply = _call("SubmitText", _pb().SubmitTextRequest(text=" ".join(text)), write=True)
        emit(_dict(reply), lambda d: click.echo(d.get("reply", "")))
        if not reply.ok:
            sys.exit(EXIT_BAD_INPUT)

    @cli.group("des")
    def des():
        """Daily Evaluation System: plans, daily reports, review, locks, monthly targets."""

    _register_day_and_targets(des)
    _register_plan(des)
    _register_report(des)
    _register_audit_and_window(des)
    _register_review(des)
    _register_quality_and_import(des)


def _register_day_and_targets(des) -> None:
    """`des day` and the monthly targets (`des targets show|set`)."""
    def _targets_table(d: dict) -> None:
        table(f"SKP {d.get('skp_id')}", ["K", "kegiatan", "bulan", "target", "kualitas"],
              [[t.get("nomor"), t.get("nama"), t.get("bulan"), f"{t.get('kuantitas')} {t.get('satuan')}",
                t.get("kualitas", "")] for t in d.get("targets", [])])

    @des.command("day")
    @click.option("--nip", default="", help="A subordinate's (as penilai) or, as admin, an employee's.")
    @click.option("--tanggal", default="", help="YYYY-MM-DD (default today)")
    @json_option
    def day(nip, tanggal):
        """One day at a glance: its plans and reports, and the month's targets with what was reported and
        recognised against each."""
        r = _call("GetDay", _pb().GetDayRequest(nip=nip, tanggal=tanggal))

        def show(d: dict) -> None:
            table(f"rencana {d.get('tanggal')}", ["K", "uraian", "jumlah"],
                  [[p.get("nomor", ""), p["uraian"], f"{p['kuantitas']} {p['satuan']}"] for p in d.get("plans", [])])
            _activities(d, f"laporan {d.get('tanggal')}")
            table(f"bulan ini (SKP {d.get('skp_id') or '-'})", ["K", "kegiatan", "target", "dilaporkan", "diakui"],
                  [[k["target"].get("nomor"), k["target"].get("nama"),
                    f"{k['target'].get('kuantitas')} {k['target'].get('satuan')}", k.get("dilaporkan"),
                    k.get("diakui")] for k in d.get("kegiatan", [])])
        emit(_dict(r), show)

    @des.group("targets", invoke_without_command=True)
    @click.pass_context
    def targets(ctx):
        """Monthly targets of an SKP: `show` (the default) and `set` (adjust one kegiatan's split)."""
        if ctx.invoked_subcommand is None:
            r = _call("GetMonthlyTargets", _pb().GetMonthlyTargetsRequest())
            emit(_dict(r), _targets_table)

    @targets.command("show")
    @click.option("--nip", default="", help="A subordinate's (as penilai) or, as admin, an employee's.")
    @click.option("--skp", "skp_id", default="", help="Default: the current SKP.")
    @json_option
    def targets_show(nip, skp_id):
        """Every kegiatan's target per month (they add up to the yearly target exactly)."""
        r = _call("GetMonthlyTargets", _pb().GetMonthlyTargetsRequest(nip=nip, skp_id=skp_id))
        emit(_dict(r), _targets_table)

    @targets.command("set")
    @click.option("--kegiatan", required=True, help="kegiatan_id as `des targets show --json` prints it.")
    @click.option("--nip", default="", help="A subordinate's SKP (as penilai); default: your own.")
    @click.option("--skp", "skp_id", default="", help="Default: the current SKP.")
    @click.argument("months", nargs=-1, required=True, metavar="YYYY-MM=JUMLAH...")
    @json_option
    def targets_set(kegiatan, nip, skp_id, months):
        """Adjust a kegiatan's monthly split: every month of the SKP period, adding up to the yearly target
        exactly (e.g. `2026-01=0.333 2026-02=0.333 ...`); otherwise refused with the difference named."""
        m = _pb()
        items = []
        for given in months:
            bulan, sep, jumlah = given.partition("=")
            if not sep or not bulan.strip() or not jumlah.strip():
                fail(f"'{given}' bukan BULAN=JUMLAH (contoh: 2026-01=2)", EXIT_BAD_INPUT)
            items.append(m.MonthTarget(bulan=bulan.strip(), kuantitas=jumlah.strip().replace(",", ".")))
        r = _call("SetMonthlyTargets", m.SetMonthlyTargetsRequest(nip=nip, skp_id=skp_id, kegiatan_id=kegiatan,
                                                                   targets=items), write=True)
        emit(_dict(r), _targets_table)


def _register_plan(des) -> None:
    """`des plan add|list`: planned activities."""
    @des.group("plan")
    def plan():
        """Daily plans (rencana harian)."""

    @plan.command("add")
    @click.option("--kegiatan", required=True)
    @click.option("--uraian", required=True)
    @click.option("--jumlah", "kuantitas", required=True)
    @click.option("--satuan", default="")
    @click.option("--tanggal", default="", help="YYYY-MM-DD (default today)")
    @json_option
    def plan_add(kegiatan, uraian, kuantitas, satuan, tanggal):
        r = _call("SubmitPlan", _pb().SubmitPlanRequest(tanggal=tanggal, kegiatan_id=kegiatan, uraian=uraian,
                                                        kuantitas=kuantitas, satuan=satuan), write=True)
        emit(_dict(r), lambda d: click.echo(f"rencana {d['plan_id']} {d['tanggal']}: {d['kuantitas']} "
                                            f"{d['satuan']} {d['uraian']}"))

    @plan.command("list")
    @click.option("--nip", default="")
    @click.option("--bulan", default="", help="YYYY-MM (default this month)")
    @json_option
    def plan_list(nip, bulan):
        r = every_page(lambda q: _call("ListPlans", q), _pb().ListPlansRequest(nip=nip, bulan=bulan), "plans")
        emit(_dict(r), lambda d: table("rencana", ["tanggal", "K", "uraian", "jumlah"], [
            [p["tanggal"], p.get("nomor", ""), p["uraian"], f"{p['kuantitas']} {p['satuan']}"]
            for p in d.get("plans", [])]))


def _register_report(des) -> None:
    """`des report ...`: the daily reports of the signed-in pegawai."""
    @des.group("report")
    def report():
        """Daily activity reports."""

    @report.command("add")
    @click.option("--kegiatan", default="", help="SKP kegiatan id (for jenis skp)")
    @click.option("--jenis", type=click.Choice(sorted(JENIS)), default="skp")
    @click.option("--uraian", required=True)
    @click.option("--jumlah", "kuantitas", required=True)
    @click.option("--satuan", default="")
    @click.option("--tanggal", default="")
    @click.option("--menit", type=int, default=0)
    @click.option("--mulai", default="", help="HH:MM")
    @click.option("--selesai", default="", help="HH:MM")
    @click.option("--proses", is_flag=True, help="work in progress (counts for the month only)")
    @click.option("--bukti", "evidence_url", default="", help="evidence link")
    @click.option("--file", "evidence_file", type=click.Path(exists=True, dir_okay=False), default=None)
    @click.option("--draft", is_flag=True, help="keep as draft; send later with `des report submit`")
    @json_option
    def report_add(kegiatan, jenis, uraian, kuantitas, satuan, tanggal, menit, mulai, selesai, proses,
                   evidence_url, evidence_file, draft):
        m = _pb()
        data, ctype = b"", ""
        if evidence_file:
            import mimetypes
            data = open(evidence_file, "rb").read()
            ctype = mimetypes.guess_type(evidence_file)[0] or "application/octet-stream"
        key = uuid.uuid4().hex
        r = _call("SubmitActivity", m.SubmitActivityRequest(activity=m.ActivityInput(
            tanggal=tanggal, jenis=JENIS[jenis], kegiatan_id=kegiatan, uraian=uraian, kuantitas=kuantitas,
            satuan=satuan, menit=menit, jam_mulai=mulai, jam_selesai=selesai, proses=proses,
            evidence_url=evidence_url, evidence_file=data, evidence_content_type=ctype), draft=draft,
            idempotency_key=key), write=True, key=key)
        emit(_dict(r), _activity)

    @report.command("list")
    @click.option("--nip", default="")
    @click.option("--bulan", default="")
    @click.option("--status", "state", default="")
    @json_option
    def report_list(nip, bulan, state):
        r = every_page(lambda q: _call("ListActivities", q),
                       _pb().ListActivitiesRequest(nip=nip, bulan=bulan, state=state), "activities")
        emit(_dict(r), lambda d: _activities(d, "laporan harian"))

    @report.command("submit")
    @click.argument("activity_id")
    @json_option
    def report_submit(activity_id):
        """Send a draft, or a revised entry, for review."""
        r = _call("SendActivity", _pb().SendActivityRequest(activity_id=activity_id), write=True)
        emit(_dict(r), _activity)

    @report.command("show")
    @click.argument("activity_id")
    @json_option
    def report_show(activity_id):
        r = _call("GetActivity", _pb().GetActivityRequest(activity_id=activity_id))
        emit(_dict(r), _activity)

    @report.command("edit")
    @click.argument("activity_id")
    @click.option("--kegiatan", default="", help="SKP kegiatan id (default: unchanged)")
    @click.option("--uraian", default="", help="default: unchanged")
    @click.option("--jumlah", "kuantitas", default="", help="default: unchanged")
    @click.option("--satuan", default="")
    @click.option("--menit", type=int, default=None)
    @click.option("--bukti", "evidence_url", default=None, help="evidence link")
    @click.option("--kirim", "send", is_flag=True, help="send it for review again right after the edit")
    @json_option
    def report_edit(activity_id, kegiatan, uraian, kuantitas, satuan, menit, evidence_url, send):
        """Edit a draft or an entry returned for revision (fields not given stay as they are)."""
        m = _pb()
        old = _call("GetActivity", m.GetActivityRequest(activity_id=activity_id))
        r = _call("UpdateActivity", m.UpdateActivityRequest(activity_id=activity_id, expected_version=old.version,
                                                            activity=m.ActivityInput(
            tanggal=old.tanggal, jenis=old.jenis, kegiatan_id=kegiatan or old.kegiatan_id,
            uraian=uraian or old.uraian, kuantitas=kuantitas or old.kuantitas, satuan=satuan or old.satuan,
            menit=old.menit if menit is None else menit, jam_mulai=old.jam_mulai, jam_selesai=old.jam_selesai,
            proses=old.proses, evidence_url=old.evidence_url if evidence_url is None else evidence_url)),
            write=True)
        if send:
            r = _call("SendActivity", m.SendActivityRequest(activity_id=activity_id, expected_version=r.version),
                      write=True)
        emit(_dict(r), _activity)

    @report.command("evidence")
    @click.argument("activity_id")
    @click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
    def report_evidence(activity_id, out):
        """Save the entry's evidence file."""
        r = _call("GetEvidence", _pb().GetActivityRequest(activity_id=activity_id))
        with open(out, "wb") as handle:
            handle.write(r.data)
        click.echo(f"{out}: {len(r.data)} byte ({r.content_type})")


def _register_audit_and_window(des) -> None:
    """`des audit` and `des window set` (the reporting window of an instansi)."""
    @des.command("audit")
    @click.option("--nip", default="", help="Whose trail (default: yours).")
    @click.option("--entitas", "entity_id", default="", help="Only one entry (activity id, lock id, …).")
    @json_option
    def audit(nip, entity_id):
        """The audit trail: who changed what, when, before and after."""
        r = every_page(lambda q: _call("GetAuditTrail", q), _pb().GetAuditTrailRequest(nip=nip, entity_id=entity_id),
                       "records")
        emit(_dict(r), lambda d: table("jejak audit", ["waktu", "oleh", "entitas", "id", "aksi", "alasan"], [
            [x.get("at"), x.get("actor"), x.get("entity"), x.get("entity_id"), x.get("action"), x.get("reason", "")]
            for x in d.get("records", [])]))

    @des.group("window")
    def window():
        """The entry window of an instansi (admin_instansi)."""

    @window.command("set")
    @click.argument("instansi_id")
    @click.argument("days", type=int)
    @json_option
    def window_set(instansi_id, days):
        """A month's activities may be entered until this day of the next month (0: none)."""
        r = _call("SetEntryWindow", _pb().SetEntryWindowRequest(instansi_id=instansi_id, window_days=days),
                  write=True)
        emit(_dict(r), lambda d: click.echo(f"{instansi_id}: batas isian hari ke-{r.window_days} bulan berikutnya"))


def _register_review(des) -> None:
    """`des review ...`: what an atasan does with the reports of their team."""
    @des.group("review")
    def review():
        """The penilai's side: queue, approve, revise, lock."""

    @review.command("queue")
    @click.option("--bulan", default="")
    @json_option
    def review_queue(bulan):
        # the first page carries "kualitas belum dinilai"; every_page keeps the first response
        r = every_page(lambda q: _call("ReviewQueue", q), _pb().ReviewQueueRequest(bulan=bulan), "activities")
        emit(_dict(r), _queue)

    @review.command("approve-day")
    @click.option("--nip", required=True, help="The subordinate.")
    @click.option("--tanggal", required=True, help="YYYY-MM-DD")
    @json_option
    def review_approve_day(nip, tanggal):
        """Approve every entry of one employee-day that waits for you (all or none)."""
        r = _call("ApproveDay", _pb().ApproveDayRequest(nip=nip, tanggal=tanggal), write=True)
        emit(_dict(r), lambda d: _activities(d, f"disetujui ({tanggal})"))

    @review.command("locks")
    @click.option("--nip", default="", help="Whose locks (default: yours).")
    @click.option("--bulan", default="", help="YYYY-MM (default: every lock).")
    @click.option("--semua", "include_lifted", is_flag=True, help="Also the locks already lifted.")
    @json_option
    def review_locks(nip, bulan, include_lifted):
        """The locks of an employee, with the id `des review unlock --lock` needs."""
        r = _call("ListLocks", _pb().ListLocksRequest(nip=nip, bulan=bulan, include_lifted=include_lifted))
        emit(_dict(r), lambda d: table("kunci", ["lock id", "lingkup", "dari", "sampai", "oleh", "dibuka"], [
            [x["lock_id"], x.get("scope"), x.get("tanggal_start"), x.get("tanggal_end"), x.get("locked_by"),
             x.get("unlocked_at", "")] for x in d.get("locks", [])]))

    @review.command("approve")
    @click.argument("activity_ids", nargs=-1, required=True)
    @click.option("--diakui", default="", help="recognised quantity (only with one id)")
    @json_option
    def review_approve(activity_ids, diakui):
        if diakui and len(activity_ids) != 1:
            raise click.BadParameter("--diakui applies to one entry at a time", param_hint="--diakui")
        m = _pb()
        r = _call("ApproveActivities", m.ApproveActivitiesRequest(items=[
            m.ApproveItem(activity_id=a, kuantitas_diakui=diakui) for a in activity_ids]), write=True)
        emit(_dict(r), lambda d: _activities(d, "disetujui"))

    @review.command("revise")
    @click.argument("activity_id")
    @click.option("--catatan", required=True)
    @json_option
    def review_revise(activity_id, catatan):
        r = _call("RequestRevision", _pb().RequestRevisionRequest(activity_id=activity_id, catatan=catatan),
                  write=True)
        emit(_dict(r), _activity)

    @review.command("lock")
    @click.option("--nip", required=True)
    @click.option("--tanggal", default="")
    @click.option("--bulan", default="")
    @json_option
    def review_lock(nip, tanggal, bulan):
        m = _pb()
        if bool(tanggal) == bool(bulan):
            fail("give either --tanggal YYYY-MM-DD or --bulan YYYY-MM", EXIT_BAD_INPUT)
        r = _call("LockPeriod", m.LockPeriodRequest(nip=nip, scope=m.LOCK_SCOPE_DAY if tanggal else m.LOCK_SCOPE_MONTH,
                                                    tanggal=tanggal, bulan=bulan), write=True)
        emit(_dict(r), lambda d: click.echo(f"kunci {d['lock_id']}: {len(d.get('activity_ids', []))} entri"))

    @review.command("unlock")
    @click.option("--nip", required=True)
    @click.option("--lock", "lock_id", required=True)
    @click.option("--alasan", "reason", required=True)
    @json_option
    def review_unlock(nip, lock_id, reason):
        """admin_instansi only; audited."""
        r = _call("UnlockPeriod", _pb().UnlockPeriodRequest(nip=nip, lock_id=lock_id, reason=reason), write=True)
        emit(_dict(r), lambda d: click.echo(f"dibuka: {len(d.get('activity_ids', []))} entri"))


def _register_quality_and_import(des) -> None:
    """`des quality set` and `des import` (bulk CSV)."""
    @des.group("quality")
    def quality():
        """Monthly kualitas per kegiatan (penilai)."""

    @quality.command("set")
    @click.option("--nip", required=True)
    @click.option("--skp", "skp_id", required=True)
    @click.option("--kegiatan", required=True)
    @click.option("--bulan", required=True)
    @click.option("--nilai", "kualitas", required=True)
    @json_option
    def quality_set(nip, skp_id, kegiatan, bulan, kualitas):
        r = _call("SetMonthlyQuality", _pb().SetMonthlyQualityRequest(nip=nip, skp_id=skp_id, kegiatan_id=kegiatan,
                                                                      bulan=bulan, kualitas=kualitas), write=True)
        emit(_dict(r), lambda d: click.echo(f"{d['bulan']} {d['nama']}: kualitas {d['kualitas']}"))

    @des.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--batch", type=int, default=5000)
    @json_option
    def import_csv(path, batch):
        """Bulk sync (agency_client token): CSV with columns record_id,nip,tanggal,jenis,kegiatan_id,uraian,
        kuantitas,satuan,menit,proses,evidence_url. Re-running the same file creates nothing twice."""
        from rich.progress import Progress

        m = _pb()
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        required = {"record_id", "nip", "tanggal", "uraian", "kuantitas"}
        if rows and not required <= set(rows[0]):
            fail(f"CSV needs the columns {', '.join(sorted(required))}", EXIT_BAD_INPUT)
        records = [m.ImportRecord(
            record_id=r["record_id"], nip=r["nip"], tanggal=r["tanggal"], jenis=JENIS.get(r.get("jenis") or "skp", 0),
            kegiatan_id=r.get("kegiatan_id", ""), uraian=r["uraian"], kuantitas=r["kuantitas"],
            satuan=r.get("satuan", ""), menit=int(r.get("menit") or 0),
            proses=(r.get("proses") or "").lower() in ("1", "true", "ya", "y"), evidence_url=r.get("evidence_url", ""))
            for r in rows]
        with Progress(transient=True) as progress:
            task = progress.add_task("mengirim", total=len(records))

            def messages():
                for i in range(0, len(records), batch):
                    chunk = records[i:i + batch]
                    yield m.ImportActivitiesRequest(records=chunk)
                    progress.advance(task, len(chunk))
            with client.rpc_errors():
                reply = client.stub("des").ImportActivities(messages(), metadata=client.metadata(), timeout=600)
        emit(_dict(reply), lambda d: (
            click.echo(f"dibuat {reply.created}, duplikat {reply.duplicates}, ditolak {reply.rejected}"),
            [click.echo(f"  {r.record_id}: {r.error}") for r in reply.results
             if r.status == m.ImportResult.STATUS_REJECTED][:50]))
