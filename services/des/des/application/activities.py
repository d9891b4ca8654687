"""des use cases of one employee's reports: submit (the SubmitActivity hot path and the session one quick
entry uses), update, send. Each works inside the caller's transaction, authorises through the policy table, applies
the domain rules, writes the change, its audit record and its events (outbox) together.

Still on a SQLAlchemy session (`NOT_YET_MODULES`, issue 17 items 1-2).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from ekinerja_platform import clock, idempotency
from ekinerja_platform.domain_errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from ekinerja_platform.ids import uuid7s
from ekinerja_platform.outbox import record_event
from ekinerja_platform.pending import PendingAnswer

from .. import metrics
from ..adapters import activity_store
from ..adapters import repository as repo
from ..domain import activity as act
from ..domain import entry_window, evidence
from ..domain import satuan as units
from . import access, events, parsing
from .access import check_context
from .config import DesConfig
from .policy import Target, authorize, caller_nip


@dataclass
class ActivityInput:
    tanggal: str = ""
    jenis: str = "skp"
    kegiatan_id: str = ""
    uraian: str = ""
    kuantitas: str = ""
    satuan: str = ""
    menit: int = 0
    jam_mulai: str = ""
    jam_selesai: str = ""
    proses: bool = False
    evidence_url: str = ""
    evidence_file: bytes = b""
    evidence_content_type: str = ""


def now() -> dt.datetime:
    return clock.now()


def _content(inp: ActivityInput, today: dt.date, kegiatan_satuan: str | None) -> act.ActivityContent:
    """The entry's content; a kegiatan's entry is counted in the kegiatan's own satuan (`satuan.check`)."""
    if inp.kegiatan_id and kegiatan_satuan:
        unit = units.check(inp.satuan, kegiatan_satuan)
    else:
        unit = (inp.satuan or kegiatan_satuan or "").strip()
    return act.ActivityContent(
        tanggal=parsing.date(inp.tanggal, "tanggal", default=today), jenis=inp.jenis or "skp",
        uraian=inp.uraian or "", kuantitas=parsing.decimal(inp.kuantitas, "kuantitas"),
        satuan=unit, kegiatan_id=inp.kegiatan_id or None,
        menit=inp.menit or None, jam_mulai=parsing.time(inp.jam_mulai, "jam_mulai"),
        jam_selesai=parsing.time(inp.jam_selesai, "jam_selesai"), proses=bool(inp.proses),
        evidence_url=inp.evidence_url or None)


def entry_context(session, nip: str, tanggal: dt.date, kegiatan_id: str | None):
    return check_context(repo.entry_context(session, nip, tanggal, kegiatan_id), tanggal, kegiatan_id)


def _store_evidence(session, nip: str, inp: ActivityInput, cfg: DesConfig):
    if not inp.evidence_file:
        return None
    evidence.check_evidence(inp.evidence_file, inp.evidence_content_type, cfg.evidence_max_bytes)
    content_type = inp.evidence_content_type.split(";")[0].strip().lower()
    return repo.insert_evidence(session, nip, inp.evidence_file, content_type,
                                hashlib.sha256(inp.evidence_file).hexdigest())


def _new_evidence(inp: ActivityInput, cfg: DesConfig) -> activity_store.Evidence | None:
    if not inp.evidence_file:
        return None
    evidence.check_evidence(inp.evidence_file, inp.evidence_content_type, cfg.evidence_max_bytes)
    return activity_store.Evidence(uuid.uuid4(), inp.evidence_content_type.split(";")[0].strip().lower(),
                                   hashlib.sha256(inp.evidence_file).hexdigest(), inp.evidence_file)


@dataclass
class Submission:
    """A new report checked against its context, with everything its one write statement needs."""

    activity: act.Activity
    ctx: activity_store.Context
    view: dict
    evidence: activity_store.Evidence | None
    event_id: str | None  # its activity_submitted event (built by PostgreSQL from the row), None for a draft
    at: dt.datetime
    source: str

    def row(self, **idempotency) -> dict:
        return activity_store.submission_row(activity=self.activity, ctx=self.ctx, source=self.source, at=self.at,
                                             evidence=self.evidence, event_id=self.event_id, **idempotency)

    def write(self, cursor, **idempotency) -> tuple[bool, bool]:
        return activity_store.write_submissions(cursor, [self.row(**idempotency)])[0]


def prepare_submission(principal, inp: ActivityInput, draft: bool, cfg: DesConfig, tanggal: dt.date, ctx,
                       source: str = "api") -> Submission:
    """The domain rules of a new report (sent for review unless `draft`), given the day's context."""
    nip = caller_nip(principal)
    today = cfg.today()
    ctx = check_context(ctx, tanggal, inp.kegiatan_id or None)
    authorize("SubmitActivity", principal, Target(nip, ctx.instansi_id, ctx.penilai_nip))
    window = ctx.window_days if ctx.window_days is not None else cfg.default_window_days
    entry_window.check_entry_date(tanggal, today, window)
    content = _content(inp, today, ctx.kegiatan_satuan)
    new_evidence = _new_evidence(inp, cfg)
    evidence_id = new_evidence.evidence_id if new_evidence else None
    activity_id, event_id = uuid7s(2)  # one draw for both: the submit path runs thousands of times a second
    activity = act.Activity(activity_id=activity_id, nip=nip, penilai_nip=ctx.penilai_nip, content=content)
    if not draft:
        activity.send(nip)
        activity.version = 1
    at = now()
    view = _view(activity, ctx.instansi_id, ctx.unit_id, ctx.skp_id, evidence_id, at if not draft else None)
    return Submission(activity, ctx, view, new_evidence, None if draft else event_id, at, source)


def _raw_cursor(session):
    return session.connection().connection.dbapi_connection.cursor()


_CHANGED_MEANWHILE = "the day was locked or the SKP changed while the entry was written; send it again"


def submit_activity(session, principal, inp: ActivityInput, draft: bool, cfg: DesConfig, source: str = "api") -> dict:
    """Create a report inside the caller's transaction (quick entry)."""
    nip = caller_nip(principal)
    tanggal = parsing.date(inp.tanggal, "tanggal", default=cfg.today())
    cursor = _raw_cursor(session)
    _, ctx = activity_store.read_context(cursor, nip, tanggal, inp.kegiatan_id or None)
    submission = prepare_submission(principal, inp, draft, cfg, tanggal, ctx, source)
    guard, _ = submission.write(cursor)
    if not guard:
        raise FailedPrecondition(_CHANGED_MEANWHILE, field="tanggal")
    if not draft:
        metrics.submitted_on_commit(session, submission.ctx.instansi_id, source)
    return submission.view


def submit_activity_once(direct, principal, inp: ActivityInput, draft: bool, cfg: DesConfig, *,  # noqa: C901 - TODO issue 17.14: split
                         idem: idempotency.Key | None, encode, decode):
    """The SubmitActivity RPC on autocommit connections: read the key's stored answer and the day's context, then
    claim the key and write everything in one statement. When the day's context is cached the read is skipped and
    the write joins concurrent requests' writes in one statement, answered by a `PendingAnswer` (the worker does
    not wait for it): the write's guard re-checks the context, and a failed guard or a refused request goes the
    reading way (which also answers a retried key first). A retry with the same key, even a concurrent one, gets
    the first answer (`decode(stored bytes)`); `encode(view)` gives (response, its bytes to store). The key's
    rules are `ekinerja_platform.idempotency`'s; only its claim is made here, inside the one write statement."""
    scope, key = (idem.scope, idem.key) if idem is not None else (None, None)
    nip = caller_nip(principal)
    kegiatan_id = inp.kegiatan_id or None
    try:
        tanggal = parsing.date(inp.tanggal, "tanggal", default=cfg.today())
    except InvalidArgument:
        tanggal = None  # look the key up first all the same: a retry of the same request gets the first answer

    def answer(guard, written, response, stored):
        """The request's answer once its write ran, or None when the guard failed (the context changed)."""
        if written:
            return response
        if guard:  # a concurrent or earlier request with the same key was first: its answer is ours
            payload = stored()
            if payload is None:  # pragma: no cover - a claimed key is committed before the conflict shows
                raise FailedPrecondition(_CHANGED_MEANWHILE, field="idempotency_key")
            return decode(payload)
        activity_store.contexts.forget(nip)  # the SKP, window or locks changed: read the context again
        return None

    def stored_answer(cursor=None):
        if cursor is None:
            return direct.run(lambda conn: activity_store.stored_response(conn.cursor(), scope, key))
        return activity_store.stored_response(cursor, scope, key)

    def read_and_write(conn):
        cursor = conn.cursor()
        for _ in range(2):
            stored, ctx = activity_store.read_context(cursor, nip, tanggal, kegiatan_id, scope, key)
            if stored is not None:
                return decode(stored)
            day = tanggal or parsing.date(inp.tanggal, "tanggal")  # raises the parse error
            activity_store.contexts.put(nip, day, kegiatan_id, ctx)
            submission = prepare_submission(principal, inp, draft, cfg, day, ctx)
            response, payload = encode(submission.view)
            guard, written = submission.write(cursor, scope=scope, key=key, response=payload)
            if written and not draft:  # autocommit: the row is committed
                metrics.submitted(submission.ctx.instansi_id, submission.source)
            result = answer(guard, written, response, lambda: stored_answer(cursor))
            if result is not None:
                return result
        raise FailedPrecondition(_CHANGED_MEANWHILE, field="tanggal")

    cached = activity_store.contexts.get(nip, tanggal, kegiatan_id) if tanggal else None
    if cached is not None:
        try:
            submission = prepare_submission(principal, inp, draft, cfg, tanggal, cached)
        except DomainError:
            submission = None  # decide on fresh data
        if submission is not None:
            response, payload = encode(submission.view)
            pending = PendingAnswer()

            def after_refusal(guard):
                """The key was claimed first (its answer is ours) or the context changed (read it again)."""
                result = answer(guard, False, response, stored_answer)
                return result if result is not None else direct.run(read_and_write)

            def written(outcome):
                guard, was_written = outcome
                if was_written:
                    if not draft:  # the joined statement is committed
                        metrics.submitted(submission.ctx.instansi_id, submission.source)
                    pending.resolve(response)
                else:  # rare: blocking reads, which the writer that calls this must not do itself
                    direct.soon(lambda: pending.settle_with(lambda: after_refusal(guard)))

            direct.write_together(activity_store.write_submissions,
                                  submission.row(scope=scope, key=key, response=payload),
                                  (scope, key) if key else None, written, pending.fail)
            return pending

    return direct.run(read_and_write)


def _view(activity: act.Activity, instansi_id, unit_id, skp_id, evidence_id, submitted_at) -> dict:
    c = activity.content
    return dict(activity_id=activity.activity_id, nip=activity.nip, tanggal=c.tanggal, skp_id=skp_id,
                kegiatan_id=c.kegiatan_id, jenis=c.jenis, uraian=c.uraian, kuantitas=c.kuantitas, satuan=c.satuan,
                menit=c.menit, jam_mulai=c.jam_mulai, jam_selesai=c.jam_selesai, proses=c.proses,
                evidence_url=c.evidence_url, evidence_id=evidence_id, state=activity.state,
                kuantitas_diakui=activity.kuantitas_diakui, catatan=activity.catatan,
                penilai_nip=activity.penilai_nip, reviewer_nip=activity.reviewer_nip, version=activity.version,
                instansi_id=instansi_id, unit_id=unit_id, submitted_at=submitted_at, reviewed_at=None)


def row_view(row) -> dict:
    return dict(row._mapping)


def locked_row(session, activity_id: str):
    row = repo.activity_row(session, activity_id, for_update=True)
    if row is None:
        raise NotFound("no such activity", field="activity_id")
    return row


def check_version(row, expected: int) -> None:
    access.check_version(row.version, expected)


def check_day_unlocked(session, nip: str, tanggal: dt.date) -> None:
    access.refuse_locked_day(repo.active_lock(session, nip, tanggal), tanggal)


def update_activity(session, principal, activity_id: str, inp: ActivityInput, expected_version: int,
                    cfg: DesConfig) -> dict:
    row = locked_row(session, activity_id)
    authorize("UpdateActivity", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    check_version(row, expected_version)
    check_day_unlocked(session, row.nip, row.tanggal)
    activity = repo.to_domain(row)
    before = activity.snapshot()
    if inp.kegiatan_id and inp.kegiatan_id != row.kegiatan_id:
        ctx = entry_context(session, row.nip, row.tanggal, inp.kegiatan_id)
        satuan_default = ctx.kegiatan_satuan
    elif inp.kegiatan_id and row.skp_id:
        known = {k.kegiatan_id: k.satuan for k in repo.kegiatan_rows(session, row.nip, row.skp_id)}
        satuan_default = known.get(inp.kegiatan_id, row.satuan)
    else:
        satuan_default = row.satuan
    content = _content(ActivityInput(**{**inp.__dict__, "tanggal": inp.tanggal or row.tanggal.isoformat()}),
                       cfg.today(), satuan_default)
    activity.edit(caller_nip(principal), content)
    evidence_id = _store_evidence(session, row.nip, inp, cfg)
    at = now()
    repo.save_activity(session, activity, now=at, content_changed=True, evidence_id=evidence_id)
    repo.audit(session, row.nip, "activity", activity_id, "edit", principal.nip, before, activity.snapshot())
    view = {**row_view(row), **_view(activity, row.instansi_id, row.unit_id, row.skp_id,
                                       evidence_id or row.evidence_id, row.submitted_at)}
    if activity.state in act.AWAITING_REVIEW:
        record_event(session, events.activity_submitted(view))
    return view


def send_activity(session, principal, activity_id: str, expected_version: int) -> dict:
    row = locked_row(session, activity_id)
    authorize("SendActivity", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    check_version(row, expected_version)
    check_day_unlocked(session, row.nip, row.tanggal)
    activity = repo.to_domain(row)
    before = activity.snapshot()
    activity.send(caller_nip(principal))
    at = now()
    repo.save_activity(session, activity, now=at, submitted=True)
    repo.audit(session, row.nip, "activity", activity_id, "send", principal.nip, before, activity.snapshot())
    if activity.state == act.SUBMITTED:  # a draft sent for the first time (a resubmission is not counted)
        metrics.submitted_on_commit(session, row.instansi_id, "send")
    view = {**row_view(row), "state": activity.state, "version": activity.version, "submitted_at": at}
    record_event(session, events.activity_submitted(view))
    return view

