"""des use cases. Each works inside the caller's transaction (`session`), authorises through the policy table,
applies the domain rules, writes the change, its audit record and its events (outbox) together.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform import clock, idempotency
from ekinerja_platform.domain_errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    quote,
)
from ekinerja_platform.ids import uuid7s
from ekinerja_platform.outbox import Event, record_event
from ekinerja_platform.pagination import MAX_PAGE_SIZE, page_request
from ekinerja_platform.pending import PendingAnswer

from .. import metrics
from ..adapters import activity_store, unit_of_work  # a module: unit_of_work reaches the handlers back
from ..adapters import repository as repo
from ..domain import activity as act
from ..domain import entry_window, evidence, targets
from ..domain import satuan as units
from . import events, monthly_targets, parsing
from .config import DesConfig
from .policy import Target, authorize, caller_nip, needs_heads

RULESET_622 = "permenpanrb-6-2022"


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


# -- activities ---------------------------------------------------------------------------------------------------

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


def _check_context(ctx, tanggal: dt.date, kegiatan_id: str | None):
    if ctx is None:
        raise FailedPrecondition(f"no approved SKP covers {tanggal.isoformat()}", field="tanggal")
    if kegiatan_id and ctx.kegiatan_id is None:
        if getattr(ctx, "ruleset", None) == RULESET_622:  # the report names an IKI of the approved plan
            raise InvalidArgument(f"{quote(kegiatan_id)} bukan IKI pada SKP (PermenPANRB 6/2022) yang disetujui "
                                  f"({ctx.skp_id})", field="kegiatan_id")
        raise InvalidArgument(f"{quote(kegiatan_id)} is not a kegiatan of SKP {ctx.skp_id}", field="kegiatan_id")
    if ctx.locked:
        raise FailedPrecondition(f"tanggal {tanggal.isoformat()} terkunci oleh pejabat penilai", field="tanggal",
                                 reason="PERIOD_LOCKED")
    return ctx


def _entry_context(session, nip: str, tanggal: dt.date, kegiatan_id: str | None):
    return _check_context(repo.entry_context(session, nip, tanggal, kegiatan_id), tanggal, kegiatan_id)


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
    ctx = _check_context(ctx, tanggal, inp.kegiatan_id or None)
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


def _row_view(row) -> dict:
    return dict(row._mapping)


def _locked_row(session, activity_id: str):
    row = repo.activity_row(session, activity_id, for_update=True)
    if row is None:
        raise NotFound("no such activity", field="activity_id")
    return row


def _check_version(row, expected: int) -> None:
    if expected and row.version != expected:
        from ekinerja_platform.domain_errors import Conflict
        raise Conflict(f"the entry is at version {row.version}, not {expected}; re-read it", field="expected_version")


def _locked_span(lock) -> str:
    """The locked period as people say it: the day, the month, or the range of days."""
    start, end = lock.tanggal_start, lock.tanggal_end
    if start == end:
        return f"tanggal {start.isoformat()}"
    if lock.scope == "month":
        return f"bulan {start:%Y-%m}"
    return f"{start.isoformat()} s.d. {end.isoformat()}"


def _check_day_unlocked(session, nip: str, tanggal: dt.date) -> None:
    if repo.active_lock(session, nip, tanggal):
        raise FailedPrecondition(f"tanggal {tanggal.isoformat()} terkunci oleh pejabat penilai; entri pada hari "
                                 "terkunci tidak dapat diubah", field="activity_id", reason="PERIOD_LOCKED")


def update_activity(session, principal, activity_id: str, inp: ActivityInput, expected_version: int,
                    cfg: DesConfig) -> dict:
    row = _locked_row(session, activity_id)
    authorize("UpdateActivity", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    _check_version(row, expected_version)
    _check_day_unlocked(session, row.nip, row.tanggal)
    activity = repo.to_domain(row)
    before = activity.snapshot()
    if inp.kegiatan_id and inp.kegiatan_id != row.kegiatan_id:
        ctx = _entry_context(session, row.nip, row.tanggal, inp.kegiatan_id)
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
    view = {**_row_view(row), **_view(activity, row.instansi_id, row.unit_id, row.skp_id,
                                       evidence_id or row.evidence_id, row.submitted_at)}
    if activity.state in act.AWAITING_REVIEW:
        record_event(session, events.activity_submitted(view))
    return view


def send_activity(session, principal, activity_id: str, expected_version: int) -> dict:
    row = _locked_row(session, activity_id)
    authorize("SendActivity", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    _check_version(row, expected_version)
    _check_day_unlocked(session, row.nip, row.tanggal)
    activity = repo.to_domain(row)
    before = activity.snapshot()
    activity.send(caller_nip(principal))
    at = now()
    repo.save_activity(session, activity, now=at, submitted=True)
    repo.audit(session, row.nip, "activity", activity_id, "send", principal.nip, before, activity.snapshot())
    if activity.state == act.SUBMITTED:  # a draft sent for the first time (a resubmission is not counted)
        metrics.submitted_on_commit(session, row.instansi_id, "send")
    view = {**_row_view(row), "state": activity.state, "version": activity.version, "submitted_at": at}
    record_event(session, events.activity_submitted(view))
    return view


def _read_target(session, principal, target: Target) -> Target:
    """`target` with the heads up the chain, when they could be what allows the caller to read."""
    if needs_heads(principal, target) and target.nip:
        return dataclasses.replace(target, heads=repo.heads_of(session, target.nip))
    return target


def get_activity(session, principal, activity_id: str) -> dict:
    row = repo.activity_row(session, activity_id)
    if row is None:
        raise NotFound("no such activity", field="activity_id")
    authorize("GetActivity", principal, _read_target(session, principal, Target(row.nip, row.instansi_id,
                                                                                row.penilai_nip)))
    return _row_view(row)


def get_evidence(session, principal, activity_id: str):
    row = repo.activity_row(session, activity_id)
    if row is None:
        raise NotFound("no such activity", field="activity_id")
    authorize("GetEvidence", principal, _read_target(session, principal, Target(row.nip, row.instansi_id,
                                                                                row.penilai_nip)))
    if row.evidence_id is None:
        raise NotFound("this activity has no evidence file", field="activity_id")
    return repo.evidence(session, row.nip, row.evidence_id)


def _skp_and_target(session, principal, nip: str, on: dt.date) -> tuple[str, object, Target]:
    """The employee (the caller when `nip` is empty), the SKP covering `on` (or None) and the target to authorise."""
    nip = parsing.nip(nip) if nip else caller_nip(principal)
    skp = repo.skp_for_date(session, nip, on)
    instansi = skp.instansi_id if skp else repo.employee_instansi(session, nip)
    return nip, skp, _read_target(session, principal, Target(nip, instansi, skp.penilai_nip if skp else None))


def _target_for(session, principal, nip: str, on: dt.date) -> tuple[str, Target]:
    nip, _, target = _skp_and_target(session, principal, nip, on)
    return nip, target


DAY_TIME_ID = (dt.date, dt.datetime, uuid.UUID)  # the sort key of list pages: day, entry time, id


def list_activities(session, principal, nip: str, bulan: str, state: str, cfg: DesConfig, page_size: int = 0,
                    page_token: str = "") -> tuple[list[dict], str]:
    """A page of the month's activities (tanggal, then entry order) and the next page's token."""
    tahun, b = parsing.month(bulan, "bulan", default=cfg.today())
    start, end = repo.month_range(tahun, b)
    nip, target = _target_for(session, principal, nip, min(end, cfg.today()) if start <= cfg.today() else end)
    if target.penilai_nip is None:
        skp = repo.skp_for_date(session, nip, start)
        if skp:
            target = _read_target(session, principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    authorize("ListActivities", principal, target)
    if state and state not in act.STATES:
        raise InvalidArgument(f"must be one of {', '.join(act.STATES)}", field="state")
    page = page_request(page_size, page_token, "des.ListActivities", nip, tahun, b, state, key=DAY_TIME_ID)
    rows, token = page.split(repo.list_activities(session, nip, start, end, state or None, page.after,
                                                  page.size + 1), lambda r: (r.tanggal, r.created_at, r.activity_id))
    return [_row_view(r) for r in rows], token


def get_day(session, principal, nip: str, tanggal: str, cfg: DesConfig) -> dict:
    """One employee-day at a glance, in one transaction with one authorisation: the day's plans and reports, and
    the month's targets of the SKP covering the day with what was reported and recognised against each (the
    portal's "Hari ini" once took three calls, each finding the SKP and authorising again)."""
    day = parsing.date(tanggal, "tanggal", default=cfg.today())
    nip, skp, target = _skp_and_target(session, principal, nip, day)
    authorize("GetDay", principal, target)
    plans = [dict(r._mapping) for r in repo.list_plans(session, nip, day, day)]
    reports = [_row_view(r) for r in repo.list_activities(session, nip, day, day)]
    kegiatan = []
    if skp is not None:
        start, end = repo.month_range(day.year, day.month)
        totals = repo.month_totals(session, nip, skp.skp_id, start, end)
        kegiatan = [(t, *totals.get(t.kegiatan_id, (0, 0)))
                    for t in repo.targets(session, nip, skp.skp_id, (day.year, day.month))]
    return {"tanggal": day, "skp_id": skp.skp_id if skp is not None else "", "plans": plans, "activities": reports,
            "kegiatan": kegiatan}


# -- review -------------------------------------------------------------------------------------------------------

def review_queue(session, principal, bulan: str, limit: int, page_size: int = 0,
                 page_token: str = "") -> tuple[list[dict], str]:
    """A page of what awaits the caller's review (oldest day first) and the next page's token; `limit` is the page
    size of clients that predate `page_size`."""
    nip = caller_nip(principal)
    authorize("ReviewQueue", principal, Target(nip, principal.instansi_id))
    start = end = None
    if bulan:
        start, end = repo.month_range(*parsing.month(bulan, "bulan"))
    page = page_request(page_size, page_token, "des.ReviewQueue", nip, bulan, key=DAY_TIME_ID,
                        default=limit if 0 < limit <= MAX_PAGE_SIZE else 200)
    rows, token = page.split(repo.review_queue(session, nip, start, end, page.size + 1, page.after),
                             lambda r: (r.tanggal, r.submitted_at or r.created_at, r.activity_id))
    return [_row_view(r) for r in rows], token


def unrated_months(session, principal, cfg: DesConfig) -> list[dict]:
    """The caller's subordinates' kegiatan-months with approved work and no kualitas ("kualitas belum dinilai")."""
    nip = caller_nip(principal)
    return [dict(r._mapping) for r in repo.unrated_months(session, nip, cfg.today())]


def approve_day(session, principal, nip: str, tanggal: str) -> list[dict]:
    """Approve every entry of one employee-day that waits for review, as one ApproveActivities (all or none)."""
    caller_nip(principal)
    nip = parsing.nip(nip)
    day = parsing.date(tanggal, "tanggal")
    ids = repo.day_awaiting_review(session, nip, day)
    if not ids:
        _, target = _target_for(session, principal, nip, day)
        authorize("ApproveDay", principal, target)
        raise FailedPrecondition(f"tidak ada entri tanggal {day.isoformat()} yang menunggu penilaian", field="tanggal")
    for activity_id in ids:  # the relation is checked per entry (the penilai of each), before any change
        row = repo.activity_row(session, activity_id)
        authorize("ApproveDay", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    return approve_activities(session, principal, [(i, "", 0) for i in ids])


def list_locks(session, principal, nip: str, bulan: str, include_lifted: bool, cfg: DesConfig) -> list:
    nip, target = _target_for(session, principal, nip, cfg.today())
    authorize("ListLocks", principal, target)
    start = end = None
    if bulan:
        start, end = repo.month_range(*parsing.month(bulan, "bulan"))
    return repo.locks(session, nip, start, end, include_lifted)


def approve_activities(session, principal, items: list[tuple[str, str, int]]) -> list[dict]:
    """Approve every item or none; rows are locked in a fixed order so concurrent reviewers cannot deadlock."""
    if not items:
        raise InvalidArgument("give at least one activity", field="items")
    if len(items) > 1000:
        raise InvalidArgument("at most 1000 at once", field="items")
    reviewer = caller_nip(principal)
    out = []
    for index, (activity_id, diakui, expected) in sorted(enumerate(items), key=lambda p: p[1][0]):
        field = f"items[{index}]"
        row = repo.activity_row(session, activity_id, for_update=True)
        if row is None:
            raise NotFound("no such activity", field=f"{field}.activity_id")
        authorize("ApproveActivities", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
        _check_version(row, expected)
        _check_day_unlocked(session, row.nip, row.tanggal)
        activity = repo.to_domain(row)
        before = activity.snapshot()
        try:
            activity.approve(reviewer, parsing.decimal(diakui, f"{field}.kuantitas_diakui", required=False))
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, field=f"{field}.{exc.field}") from None
        at = now()
        repo.save_activity(session, activity, now=at, reviewed=True)
        repo.audit(session, row.nip, "activity", activity_id, "approve", reviewer, before, activity.snapshot())
        view = {**_row_view(row), "state": activity.state, "version": activity.version, "reviewed_at": at,
                "kuantitas_diakui": activity.kuantitas_diakui, "reviewer_nip": reviewer, "catatan": None}
        record_event(session, events.activity_reviewed(view))
        out.append((index, view))
    return [view for _, view in sorted(out, key=lambda p: p[0])]


def request_revision(session, principal, activity_id: str, catatan: str, expected_version: int) -> dict:
    reviewer = caller_nip(principal)
    row = _locked_row(session, activity_id)
    authorize("RequestRevision", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    _check_version(row, expected_version)
    _check_day_unlocked(session, row.nip, row.tanggal)
    activity = repo.to_domain(row)
    before = activity.snapshot()
    activity.request_revision(reviewer, catatan)
    at = now()
    repo.save_activity(session, activity, now=at, reviewed=True)
    repo.audit(session, row.nip, "activity", activity_id, "request_revision", reviewer, before, activity.snapshot())
    view = {**_row_view(row), "state": activity.state, "version": activity.version, "reviewed_at": at,
            "reviewer_nip": reviewer, "catatan": activity.catatan}
    record_event(session, events.revision_requested(view))
    return view


# -- locks --------------------------------------------------------------------------------------------------------

def lock_period(session, principal, nip: str, scope: str, tanggal: str, bulan: str) -> dict:
    reviewer = caller_nip(principal)
    nip = parsing.nip(nip)
    if scope == "day":
        start = end = parsing.date(tanggal, "tanggal")
    elif scope == "month":
        start, end = repo.month_range(*parsing.month(bulan, "bulan"))
    else:
        raise InvalidArgument("must be day or month", field="scope")
    skp = repo.skp_for_date(session, nip, start) or repo.skp_for_date(session, nip, end)
    if skp is None:
        raise FailedPrecondition("no SKP of this employee covers the period", field="tanggal")
    authorize("LockPeriod", principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    # serialise lockers of one employee; the row lock on the SKP copy is enough
    session.execute(repo.sa.select(repo.skp_documents.c.nip).where(
        repo.skp_documents.c.nip == nip, repo.skp_documents.c.skp_id == skp.skp_id).with_for_update())
    existing = repo.active_lock(session, nip, start, end)
    if existing is not None and existing.tanggal_start <= start and existing.tanggal_end >= end:
        raise FailedPrecondition(f"{_locked_span(existing)} sudah terkunci (kunci {existing.lock_id})",
                                 field="scope", reason="PERIOD_LOCKED")
    pending = [r for r in repo.list_activities(session, nip, start, end) if r.state in act.AWAITING_REVIEW]
    if pending:
        days = sorted({r.tanggal.isoformat() for r in pending})
        raise FailedPrecondition(f"{len(pending)} entri masih menunggu penilaian (tanggal {', '.join(days[:10])}"
                                 f"{' …' if len(days) > 10 else ''}); setujui atau kembalikan dulu", field="scope")
    lock_id = uuid.uuid4()
    session.execute(repo.period_locks.insert().values(
        nip=nip, lock_id=lock_id, skp_id=skp.skp_id, scope=scope, tanggal_start=start, tanggal_end=end,
        locked_by=reviewer))
    locked_ids = []
    for row in repo.list_activities(session, nip, start, end, act.APPROVED):
        activity = repo.to_domain(row)
        before = activity.snapshot()
        activity.lock(reviewer)
        repo.save_activity(session, activity, now=now())
        repo.audit(session, nip, "activity", activity.activity_id, "lock", reviewer, before, activity.snapshot())
        locked_ids.append(activity.activity_id)
    repo.audit(session, nip, "period_lock", str(lock_id), "lock", reviewer, None,
               {"scope": scope, "start": start.isoformat(), "end": end.isoformat(), "activity_ids": locked_ids})
    record_event(session, events.period_locked(nip, skp, scope, start, locked_ids, reviewer))
    return {"lock_id": str(lock_id), "activity_ids": locked_ids}


def unlock_period(session, principal, nip: str, lock_id: str, reason: str) -> list[str]:
    nip = parsing.nip(nip)
    if not reason or not reason.strip():
        raise InvalidArgument("an unlock needs a reason", field="reason")
    try:
        key = uuid.UUID(lock_id)
    except ValueError:
        raise InvalidArgument("not a lock id", field="lock_id") from None
    lock = session.execute(repo.sa.select(repo.period_locks).where(
        repo.period_locks.c.nip == nip, repo.period_locks.c.lock_id == key).with_for_update()).first()
    if lock is None:
        raise NotFound("no such lock", field="lock_id")
    instansi = repo.employee_instansi(session, nip)
    authorize("UnlockPeriod", principal, Target(nip, instansi))
    if lock.unlocked_at is not None:
        raise FailedPrecondition("this lock was already lifted", field="lock_id")
    actor = principal.subject
    session.execute(repo.period_locks.update().where(
        repo.period_locks.c.nip == nip, repo.period_locks.c.lock_id == key).values(
        unlocked_at=repo.sa.func.now(), unlocked_by=actor, unlock_reason=reason.strip()))
    unlocked = []
    for row in repo.list_activities(session, nip, lock.tanggal_start, lock.tanggal_end, act.LOCKED):
        if repo.active_lock(session, nip, row.tanggal) is not None:
            continue  # still covered by another lock
        activity = repo.to_domain(row)
        before = activity.snapshot()
        activity.unlock(actor, reason)
        repo.save_activity(session, activity, now=now())
        repo.audit(session, nip, "activity", activity.activity_id, "unlock", actor, before, activity.snapshot(),
                   reason.strip())
        unlocked.append(activity.activity_id)
    repo.audit(session, nip, "period_lock", lock_id, "unlock", actor,
               {"scope": lock.scope, "start": lock.tanggal_start.isoformat(), "end": lock.tanggal_end.isoformat()},
               {"activity_ids": unlocked}, reason.strip())
    return unlocked


# -- monthly targets and quality ----------------------------------------------------------------------------------

def _skp_target(session, principal, rpc: str, nip: str, skp_id: str, cfg: DesConfig):
    nip = parsing.nip(nip) if nip else caller_nip(principal)
    skp = repo.skp_by_id(session, nip, skp_id) if skp_id else repo.skp_for_date(session, nip, cfg.today())
    if skp is None:
        raise NotFound("no such SKP for this employee", field="skp_id")
    authorize(rpc, principal, _read_target(session, principal, Target(nip, skp.instansi_id, skp.penilai_nip)))
    return nip, skp


def get_monthly_targets(session, principal, nip: str, skp_id: str, cfg: DesConfig):
    nip, skp = _skp_target(session, principal, "GetMonthlyTargets", nip, skp_id, cfg)
    return skp.skp_id, repo.targets(session, nip, skp.skp_id)


def set_monthly_targets(session, principal, nip: str, skp_id: str, kegiatan_id: str,
                        proposed: list[tuple[str, str]], cfg: DesConfig):
    nip, skp = _skp_target(session, principal, "SetMonthlyTargets", nip, skp_id, cfg)
    if skp.ruleset == RULESET_622:
        raise FailedPrecondition("SKP PermenPANRB 6/2022 dievaluasi per periode dari IKI-nya, tanpa target bulanan",
                                 field="skp_id")
    kegiatan = {k.kegiatan_id: k for k in repo.kegiatan_rows(session, nip, skp.skp_id)}
    if kegiatan_id not in kegiatan:
        raise InvalidArgument(f"{quote(kegiatan_id)} is not a kegiatan of SKP {skp.skp_id}", field="kegiatan_id")
    values = {}
    for i, (bulan, kuantitas) in enumerate(proposed):
        month = parsing.month(bulan, f"targets[{i}].bulan")
        if month in values:
            raise InvalidArgument(f"{bulan} is given twice", field=f"targets[{i}].bulan")
        values[month] = parsing.decimal(kuantitas, f"targets[{i}].kuantitas")
    months = targets.months_between(skp.period_start, skp.period_end)
    values = targets.check_adjustment(kegiatan[kegiatan_id].kuantitas, months, values)
    current = {(r.tahun, r.bulan): r.kuantitas for r in repo.targets(session, nip, skp.skp_id)
               if r.kegiatan_id == kegiatan_id}
    for (y, m), q in values.items():
        lock = current.get((y, m)) != q and repo.active_lock(session, nip, *repo.month_range(y, m))
        if lock:
            raise FailedPrecondition(f"target {y:04d}-{m:02d} tidak dapat diubah: {_locked_span(lock)} terkunci",
                                     field="targets", reason="PERIOD_LOCKED")
    repo.upsert_targets(session, nip, skp.skp_id, kegiatan_id, values, principal.nip)
    repo.audit(session, nip, "monthly_targets", f"{skp.skp_id}/{kegiatan_id}", "adjust", principal.nip,
               {f"{y:04d}-{m:02d}": str(q) for (y, m), q in current.items()},
               {f"{y:04d}-{m:02d}": str(q) for (y, m), q in values.items()})
    monthly_targets.publish(unit_of_work.in_session(session), nip, skp.skp_id)
    return skp.skp_id, repo.targets(session, nip, skp.skp_id)


def set_monthly_quality(session, principal, nip: str, skp_id: str, kegiatan_id: str, bulan: str, kualitas: str):
    nip = parsing.nip(nip)
    skp = repo.skp_by_id(session, nip, skp_id)
    if skp is None:
        raise NotFound("no such SKP for this employee", field="skp_id")
    authorize("SetMonthlyQuality", principal, Target(nip, skp.instansi_id, skp.penilai_nip))
    tahun, b = parsing.month(bulan, "bulan")
    value = parsing.decimal(kualitas, "kualitas")
    if not Decimal(0) <= value <= Decimal(100) or value.as_tuple().exponent < -2:
        raise InvalidArgument("must be between 0 and 100 with at most 2 decimals", field="kualitas")
    row = session.execute(repo.sa.select(repo.monthly_targets_table()).where(*repo.target_key(
        nip, skp.skp_id, kegiatan_id, tahun, b)).with_for_update()).first()
    if row is None:
        raise NotFound(f"SKP {skp.skp_id} has no target for {quote(kegiatan_id)} in {bulan}", field="kegiatan_id")
    # no lock blocks the kualitas: a lock freezes the month's entries, the kualitas is the penilai's judgement of
    # them (issue 16.3: the penilai locks days as they go and still rates the month)
    session.execute(repo.monthly_targets_table().update().where(*repo.target_key(
        nip, skp.skp_id, kegiatan_id, tahun, b)).values(kualitas=value, updated_by=principal.nip,
                                                        updated_at=repo.sa.func.now()))
    repo.audit(session, nip, "monthly_quality", f"{skp.skp_id}/{kegiatan_id}/{bulan}", "set", principal.nip,
               {"kualitas": None if row.kualitas is None else str(row.kualitas)}, {"kualitas": str(value)})
    record_event(session, Event("monthly_quality_set", "des", {
        "skp_id": skp.skp_id, "nip": nip, "instansi_id": skp.instansi_id, "kegiatan_id": kegiatan_id,
        "tahun": tahun, "bulan": b, "kualitas": f"{value:.2f}"}, nip=nip, instansi_id=skp.instansi_id))
    return [r for r in repo.targets(session, nip, skp.skp_id)
            if r.kegiatan_id == kegiatan_id and (r.tahun, r.bulan) == (tahun, b)][0]


# -- plans --------------------------------------------------------------------------------------------------------

def submit_plan(session, principal, tanggal: str, kegiatan_id: str, uraian: str, kuantitas: str, satuan: str,
                cfg: DesConfig) -> dict:
    nip = caller_nip(principal)
    today = cfg.today()
    day = parsing.date(tanggal, "tanggal", default=today)
    entry_window.check_plan_date(day, today)
    if not kegiatan_id:
        raise InvalidArgument("a plan names the kegiatan it serves", field="kegiatan_id")
    ctx = _entry_context(session, nip, day, kegiatan_id)
    authorize("SubmitPlan", principal, Target(nip, ctx.instansi_id, ctx.penilai_nip))
    if not uraian or not uraian.strip():
        raise InvalidArgument("must not be empty", field="uraian")
    q = parsing.decimal(kuantitas, "kuantitas")
    if q <= 0 or q.as_tuple().exponent < -2:
        raise InvalidArgument("must be greater than 0 with at most 2 decimals", field="kuantitas")
    plan = dict(nip=nip, plan_id=uuid.uuid4(), tanggal=day, instansi_id=ctx.instansi_id, unit_id=ctx.unit_id,
                skp_id=ctx.skp_id, kegiatan_id=kegiatan_id, uraian=uraian.strip(), kuantitas=q,
                satuan=units.check(satuan, ctx.kegiatan_satuan))
    repo.insert_plan(session, **plan)
    repo.audit(session, nip, "plan", str(plan["plan_id"]), "create", nip, None,
               {k: str(v) for k, v in plan.items()})
    record_event(session, events.plan_submitted(plan))
    return {**plan, "nomor": ctx.kegiatan_nomor}


def list_plans(session, principal, nip: str, bulan: str, cfg: DesConfig, page_size: int = 0,
               page_token: str = "") -> tuple[list[dict], str]:
    tahun, b = parsing.month(bulan, "bulan", default=cfg.today())
    start, end = repo.month_range(tahun, b)
    nip, target = _target_for(session, principal, nip, start)
    if target.penilai_nip is None:
        _, target = _target_for(session, principal, nip, cfg.today())
    authorize("ListPlans", principal, target)
    page = page_request(page_size, page_token, "des.ListPlans", nip, tahun, b, key=DAY_TIME_ID)
    rows, token = page.split(repo.list_plans(session, nip, start, end, page.after, page.size + 1),
                             lambda r: (r.tanggal, r.created_at, r.plan_id))
    return [dict(r._mapping) for r in rows], token


# -- audit, settings ----------------------------------------------------------------------------------------------

def audit_trail(session, principal, nip: str, entity_id: str, cfg: DesConfig, page_size: int = 0,
                page_token: str = ""):
    """A page of the employee's audit records (oldest first) and the next page's token."""
    nip, target = _target_for(session, principal, nip, cfg.today())
    authorize("GetAuditTrail", principal, target)
    page = page_request(page_size, page_token, "des.GetAuditTrail", nip, entity_id, key=(int,))
    return page.split(repo.audit_records(session, nip, entity_id or None, page.after, page.size + 1),
                      lambda r: (r.audit_id,))


def set_entry_window(session, principal, instansi_id: str, days: int) -> int:
    if not instansi_id:
        raise InvalidArgument("is required", field="instansi_id")
    authorize("SetEntryWindow", principal, Target(None, instansi_id))
    days = entry_window.check_window_setting(days)
    stmt = repo.pg_insert(repo.instansi_settings).values(instansi_id=instansi_id, window_days=days,
                                                         updated_by=principal.subject)
    session.execute(stmt.on_conflict_do_update(index_elements=["instansi_id"], set_={
        "window_days": days, "updated_by": principal.subject, "updated_at": repo.sa.func.now()}))
    repo.audit(session, "-", "instansi_settings", instansi_id, "set_window", principal.subject, None,
               {"window_days": days})
    activity_store.contexts.clear()
    return days
