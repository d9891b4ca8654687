"""gRPC request → use case → gRPC response, one function per RPC; transactions and idempotent replays (the
platform's `idempotency`) start here."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal

from ekinerja.des.v1 import des_pb2
from ekinerja_platform import idempotency
from ekinerja_platform.domain_errors import InvalidArgument

from ..adapters.activity_store import DirectReports
from ..adapters.unit_of_work import in_session, reading
from ..application import activities, importing, instansi_settings, locks, monthly, plans, quick, reads, review
from ..application.config import config

JENIS_TO_PB = {"skp": des_pb2.JENIS_SKP, "non_skp": des_pb2.JENIS_NON_SKP,
               "tugas_tambahan": des_pb2.JENIS_TUGAS_TAMBAHAN}
PB_TO_JENIS = {v: k for k, v in JENIS_TO_PB.items()}
PB_TO_JENIS[des_pb2.JENIS_UNSPECIFIED] = "skp"
IMPORT_STATUS = {importing.CREATED: des_pb2.ImportResult.STATUS_CREATED,
                 importing.DUPLICATE: des_pb2.ImportResult.STATUS_DUPLICATE,
                 importing.REJECTED: des_pb2.ImportResult.STATUS_REJECTED}


def _s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def activity_pb(v: dict) -> des_pb2.Activity:
    return des_pb2.Activity(
        activity_id=str(v["activity_id"]), nip=v["nip"], tanggal=_s(v["tanggal"]), skp_id=_s(v.get("skp_id")),
        kegiatan_id=_s(v.get("kegiatan_id")), jenis=JENIS_TO_PB[v["jenis"]], uraian=v["uraian"],
        kuantitas=_s(v["kuantitas"]), satuan=v["satuan"], menit=v.get("menit") or 0,
        jam_mulai=_s(v.get("jam_mulai")), jam_selesai=_s(v.get("jam_selesai")), proses=bool(v.get("proses")),
        evidence_url=_s(v.get("evidence_url")), evidence_id=_s(v.get("evidence_id")), state=v["state"],
        kuantitas_diakui=_s(v.get("kuantitas_diakui")), catatan=_s(v.get("catatan")),
        penilai_nip=_s(v.get("penilai_nip")), reviewer_nip=_s(v.get("reviewer_nip")), version=int(v["version"]),
        nama=_s(v.get("nama")), kegiatan_nama=_s(v.get("kegiatan_nama")))


def activity_input(a) -> activities.ActivityInput:
    if a.jenis not in PB_TO_JENIS:
        raise InvalidArgument("unknown jenis", field="activity.jenis")
    return activities.ActivityInput(
        tanggal=a.tanggal, jenis=PB_TO_JENIS[a.jenis], kegiatan_id=a.kegiatan_id, uraian=a.uraian,
        kuantitas=a.kuantitas, satuan=a.satuan, menit=a.menit, jam_mulai=a.jam_mulai, jam_selesai=a.jam_selesai,
        proses=a.proses, evidence_url=a.evidence_url, evidence_file=a.evidence_file,
        evidence_content_type=a.evidence_content_type)


def _write(db, call, rpc: str, request, response_cls, work, request_key: str = ""):
    """A write RPC in one transaction, applied once per idempotency key (see `ekinerja_platform.idempotency`)."""
    call.require_principal()
    return idempotency.run_once(db, call, f"des.{rpc}", request, response_cls, work, request_key=request_key)


# -- activities ---------------------------------------------------------------------------------------------------

def submit_activity(direct, call, request):
    principal = call.require_principal()
    inp = activity_input(request.activity)
    idem = idempotency.key_of("des.SubmitActivity", call, request, request.idempotency_key)

    def encode(view: dict) -> tuple[des_pb2.Activity, bytes | None]:
        response = activity_pb(view)
        return response, idempotency.seal(idem, response.SerializeToString()) if idem is not None else None

    def decode(stored: bytes) -> des_pb2.Activity:
        return des_pb2.Activity.FromString(idempotency.answer_of(idem, stored))
    return activities.submit_activity_once(DirectReports(direct), principal, inp, request.draft, config(),
                                           key=(idem.scope, idem.key) if idem is not None else None,
                                           encode=encode, decode=decode)


def update_activity(db, call, request):
    principal = call.require_principal()
    inp = activity_input(request.activity)

    def work(s):
        return activity_pb(activities.update_activity(in_session(s), principal, request.activity_id, inp,
                                                      request.expected_version, config()))
    return _write(db, call, "UpdateActivity", request, des_pb2.Activity, work)


def send_activity(db, call, request):
    def work(s):
        return activity_pb(activities.send_activity(in_session(s), call.require_principal(), request.activity_id,
                                                    request.expected_version))
    return _write(db, call, "SendActivity", request, des_pb2.Activity, work)


def get_activity(db, call, request):
    with db.transaction() as s:
        return activity_pb(reads.get_activity(in_session(s), call.require_principal(), request.activity_id))


def get_evidence(db, call, request):
    with db.transaction() as s:
        row = reads.get_evidence(in_session(s), call.require_principal(), request.activity_id)
        return des_pb2.Evidence(evidence_id=str(row.evidence_id), content_type=row.content_type, data=row.data)


def list_activities(db, call, request):
    with db.transaction() as s:
        rows, token = reads.list_activities(in_session(s), call.require_principal(), request.nip, request.bulan,
                                            request.state, config(), request.page_size, request.page_token)
        return des_pb2.ListActivitiesResponse(activities=[activity_pb(r) for r in rows], next_page_token=token)


def get_day(direct, call, request):
    """The portal's "Hari ini" on every page view: read on an autocommit connection (direct.py), which spares
    three round trips and the ORM session of a transaction's unit of work."""
    principal = call.require_principal()
    cfg = config()
    day = direct.read(lambda conn: reads.get_day(reading(conn, cfg), principal, request.nip, request.tanggal, cfg))
    return des_pb2.GetDayResponse(
        tanggal=_s(day["tanggal"]), skp_id=day["skp_id"], plans=[_plan_pb(p) for p in day["plans"]],
        activities=[activity_pb(a) for a in day["activities"]],
        kegiatan=[des_pb2.KegiatanMonth(target=_target_pb(t), dilaporkan=_qty(reported), diakui=_qty(done))
                  for t, reported, done in day["kegiatan"]])


def _qty(value) -> str:
    return f"{Decimal(value):.3f}"


# -- review -------------------------------------------------------------------------------------------------------

def review_queue(db, call, request):
    with db.transaction() as s:
        principal = call.require_principal()
        uow = in_session(s)
        rows, token = review.review_queue(uow, principal, request.bulan, request.limit, request.page_size,
                                          request.page_token)
        unrated = [] if request.page_token else review.unrated_months(uow, principal, config())
        return des_pb2.ListActivitiesResponse(
            activities=[activity_pb(r) for r in rows], next_page_token=token,
            kualitas_belum_dinilai=[des_pb2.UnratedMonth(
                nip=u["nip"], nama=_s(u["nama"]), skp_id=u["skp_id"], kegiatan_id=u["kegiatan_id"],
                kegiatan_nama=u["kegiatan_nama"], bulan=f"{u['tahun']:04d}-{u['bulan']:02d}",
                realisasi=_s(u["realisasi"]), satuan=u["satuan"]) for u in unrated])


def approve_day(db, call, request):
    def work(s):
        views = review.approve_day(in_session(s), call.require_principal(), request.nip, request.tanggal)
        return des_pb2.ApproveActivitiesResponse(activities=[activity_pb(v) for v in views])
    return _write(db, call, "ApproveDay", request, des_pb2.ApproveActivitiesResponse, work)


def approve_activities(db, call, request):
    items = [(i.activity_id, i.kuantitas_diakui, i.expected_version) for i in request.items]

    def work(s):
        views = review.approve_activities(in_session(s), call.require_principal(), items)
        return des_pb2.ApproveActivitiesResponse(activities=[activity_pb(v) for v in views])
    return _write(db, call, "ApproveActivities", request, des_pb2.ApproveActivitiesResponse, work)


def request_revision(db, call, request):
    def work(s):
        return activity_pb(review.request_revision(in_session(s), call.require_principal(), request.activity_id,
                                                   request.catatan, request.expected_version))
    return _write(db, call, "RequestRevision", request, des_pb2.Activity, work)


def _target_pb(r) -> des_pb2.MonthlyTarget:
    return des_pb2.MonthlyTarget(skp_id=r.skp_id, kegiatan_id=r.kegiatan_id, nomor=r.nomor, nama=r.nama,
                                 bulan=f"{r.tahun:04d}-{r.bulan:02d}", kuantitas=f"{r.kuantitas:.3f}", satuan=r.satuan,
                                 kualitas=_s(r.kualitas))


def set_monthly_quality(db, call, request):
    def work(s):
        return _target_pb(monthly.set_monthly_quality(in_session(s), call.require_principal(), request.nip,
                                                      request.skp_id, request.kegiatan_id, request.bulan,
                                                      request.kualitas))
    return _write(db, call, "SetMonthlyQuality", request, des_pb2.MonthlyTarget, work)


LOCK_SCOPES = {des_pb2.LOCK_SCOPE_DAY: "day", des_pb2.LOCK_SCOPE_MONTH: "month"}


def lock_period(db, call, request):
    def work(s):
        out = locks.lock_period(in_session(s), call.require_principal(), request.nip,
                                LOCK_SCOPES.get(request.scope, ""), request.tanggal, request.bulan)
        return des_pb2.LockPeriodResponse(**out)
    return _write(db, call, "LockPeriod", request, des_pb2.LockPeriodResponse, work)


def unlock_period(db, call, request):
    def work(s):
        ids = locks.unlock_period(in_session(s), call.require_principal(), request.nip, request.lock_id, request.reason)
        return des_pb2.UnlockPeriodResponse(activity_ids=ids)
    return _write(db, call, "UnlockPeriod", request, des_pb2.UnlockPeriodResponse, work)


def list_locks(db, call, request):
    with db.transaction() as s:
        rows = locks.list_locks(in_session(s), call.require_principal(), request.nip, request.bulan,
                                request.include_lifted, config())
        return des_pb2.ListLocksResponse(locks=[des_pb2.PeriodLock(
            lock_id=str(r.lock_id), nip=r.nip, scope=r.scope, tanggal_start=_s(r.tanggal_start),
            tanggal_end=_s(r.tanggal_end), locked_by=r.locked_by, locked_at=_s(r.locked_at),
            unlocked_at=_s(r.unlocked_at), unlocked_by=_s(r.unlocked_by), unlock_reason=_s(r.unlock_reason))
            for r in rows])


def audit_trail(db, call, request):
    with db.transaction() as s:
        rows, token = reads.audit_trail(in_session(s), call.require_principal(), request.nip, request.entity_id,
                                        config(), request.page_size, request.page_token)
        return des_pb2.GetAuditTrailResponse(next_page_token=token, records=[des_pb2.AuditRecord(
            entity=r.entity, entity_id=r.entity_id, action=r.action, actor=r.actor, at=r.at.isoformat(),
            before_json=json.dumps(r.before) if r.before is not None else "",
            after_json=json.dumps(r.after) if r.after is not None else "", reason=r.reason or "") for r in rows])


def set_entry_window(db, call, request):
    def work(s):
        days = instansi_settings.set_entry_window(in_session(s), call.require_principal(), request.instansi_id,
                                                  request.window_days)
        return des_pb2.SetEntryWindowResponse(instansi_id=request.instansi_id, window_days=days)
    return _write(db, call, "SetEntryWindow", request, des_pb2.SetEntryWindowResponse, work)


# -- targets, plans -----------------------------------------------------------------------------------------------

def get_monthly_targets(db, call, request):
    with db.transaction() as s:
        skp_id, rows = monthly.get_monthly_targets(in_session(s), call.require_principal(), request.nip,
                                                   request.skp_id, config())
        return des_pb2.GetMonthlyTargetsResponse(skp_id=skp_id, targets=[_target_pb(r) for r in rows])


def set_monthly_targets(db, call, request):
    def work(s):
        skp_id, rows = monthly.set_monthly_targets(
            in_session(s), call.require_principal(), request.nip, request.skp_id, request.kegiatan_id,
            [(t.bulan, t.kuantitas) for t in request.targets], config())
        return des_pb2.GetMonthlyTargetsResponse(skp_id=skp_id, targets=[_target_pb(r) for r in rows])
    return _write(db, call, "SetMonthlyTargets", request, des_pb2.GetMonthlyTargetsResponse, work)


def _plan_pb(p: dict) -> des_pb2.Plan:
    return des_pb2.Plan(plan_id=str(p["plan_id"]), nip=p["nip"], tanggal=_s(p["tanggal"]), skp_id=p["skp_id"],
                        kegiatan_id=p["kegiatan_id"], nomor=p.get("nomor") or 0, uraian=p["uraian"],
                        kuantitas=_s(p["kuantitas"]), satuan=p["satuan"])


def submit_plan(db, call, request):
    principal = call.require_principal()
    return _write(db, call, "SubmitPlan", request, des_pb2.Plan, lambda s: _plan_pb(
        plans.submit_plan(in_session(s), principal, request.tanggal, request.kegiatan_id, request.uraian,
                          request.kuantitas, request.satuan, config())))


def list_plans(db, call, request):
    with db.transaction() as s:
        rows, token = plans.list_plans(in_session(s), call.require_principal(), request.nip, request.bulan,
                                       config(), request.page_size, request.page_token)
        return des_pb2.ListPlansResponse(plans=[_plan_pb(p) for p in rows], next_page_token=token)


# -- quick entry, import ------------------------------------------------------------------------------------------

def submit_text(db, call, request):
    principal = call.require_principal()
    cfg = config()
    return _write(db, call, "SubmitText", request, des_pb2.SubmitTextResponse,
                  lambda s: des_pb2.SubmitTextResponse(**quick.submit_text(in_session(s, cfg), principal,
                                                                           request.text, cfg)),
                  request_key=request.idempotency_key)


def import_activities(db, call, request_iterator):
    principal = call.require_principal()
    instansi_id = importing.authorize_import(principal)
    cfg = config()
    actor = importing.actor(principal)
    response = des_pb2.ImportActivitiesResponse()
    counts = {importing.CREATED: 0, importing.DUPLICATE: 0, importing.REJECTED: 0}
    add = response.results.add
    status_of = IMPORT_STATUS.__getitem__

    def prepare(message):
        records = [importing.ImportRecord(
            r.record_id, r.nip, r.tanggal, PB_TO_JENIS.get(r.jenis, "?"), r.kegiatan_id, r.uraian, r.kuantitas,
            r.satuan, r.menit, r.proses, r.evidence_url) for r in message.records]
        if not records:
            return None
        with db.transaction() as s:
            return importing.prepare_batch(in_session(s, cfg), instansi_id, records, cfg)

    def write(batch, may_claim, claimed):
        with db.transaction() as s:
            return importing.write_batch(in_session(s, cfg), instansi_id, actor, batch, may_claim, claimed)

    def collect(results):
        for record_id, status, activity_id, error in results:
            counts[status] += 1
            add(record_id=record_id, status=status_of(status), activity_id=activity_id or "", error=error)

    # each message commits on its own, and the relay keeps publishing meanwhile: an open stream holds nobody's events
    _overlapped(request_iterator, prepare, write, collect)
    response.created, response.duplicates, response.rejected = (
        counts[importing.CREATED], counts[importing.DUPLICATE], counts[importing.REJECTED])
    return response


def _writing(write, batch, previous, claimed):
    try:
        return write(batch, previous.wait if previous is not None else None, lambda: claimed.send(True))
    finally:
        if not claimed.ready():  # failed before claiming: the next batch need not wait for it
            claimed.send(False)


IMPORT_WRITERS = 2  # batches written at once, each in its own transaction (PostgreSQL uses a core for each)


def _overlapped(messages, prepare, write, collect, writers: int = IMPORT_WRITERS) -> None:
    """Each message is one transaction. Message n+1 is received and checked (Python) while earlier ones are
    written (PostgreSQL), up to `writers` at once; a batch claims its record ids only after the batch before it
    did, so of two copies of a record in one stream the earlier one is the one created. Results are collected
    in stream order."""
    import collections

    import eventlet

    in_flight = collections.deque()  # (green thread, event sent once its record ids are claimed)
    try:
        for message in messages:
            batch = prepare(message)
            if batch is None:
                continue
            while len(in_flight) >= writers:
                collect(in_flight.popleft()[0].wait())
            previous = in_flight[-1][1] if in_flight else None
            claimed = eventlet.event.Event()
            in_flight.append((eventlet.spawn(_writing, write, batch, previous, claimed), claimed))
        while in_flight:
            collect(in_flight.popleft()[0].wait())
    finally:
        for thread, _ in in_flight:  # the stream failed: batches being written still finish (or fail) on their own
            with contextlib.suppress(Exception):
                thread.wait()
