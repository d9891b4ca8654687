"""des use cases of one employee's reports: submit (the SubmitActivity hot path, and the unit-of-work form quick
entry uses), update, send. Each authorises through the policy table, applies the domain rules and writes the
change with its audit record and its events (outbox) together.

SubmitActivity sees its connections, context cache and joined writes only as the `NewReports` port
(adapters/activity_store.py); the others run on the unit of work.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import DomainError, FailedPrecondition, InvalidArgument, NotFound
from ekinerja_platform.ids import uuid7s

from ..domain import activity as act
from ..domain import entry_window, evidence
from ..domain import satuan as units
from . import access, events, parsing
from .access import check_context
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .ports import AnswerKey, DesUnitOfWork, Entry, NewEvidence, NewReport, NewReports, ReportContext, ReportWrites


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


def _new_evidence(inp: ActivityInput, cfg: DesConfig) -> NewEvidence | None:
    if not inp.evidence_file:
        return None
    evidence.check_evidence(inp.evidence_file, inp.evidence_content_type, cfg.evidence_max_bytes)
    return NewEvidence(uuid.uuid4(), inp.evidence_content_type.split(";")[0].strip().lower(),
                       hashlib.sha256(inp.evidence_file).hexdigest(), inp.evidence_file)


@dataclass
class Submission:
    """A new report checked against its context (`report`, what its write needs) and the answer's view."""

    report: NewReport
    view: dict


def prepare_submission(principal, inp: ActivityInput, draft: bool, cfg: DesConfig, tanggal: dt.date,
                       ctx: ReportContext | None, source: str = "api") -> Submission:
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
    return Submission(NewReport(activity, ctx, new_evidence, None if draft else event_id, at, source), view)


_CHANGED_MEANWHILE = "the day was locked or the SKP changed while the entry was written; send it again"


def submit_activity(uow: DesUnitOfWork, principal, inp: ActivityInput, draft: bool, cfg: DesConfig,
                    source: str = "api") -> dict:
    """Create a report in the unit (quick entry)."""
    nip = caller_nip(principal)
    tanggal = parsing.date(inp.tanggal, "tanggal", default=cfg.today())
    submission = prepare_submission(principal, inp, draft, cfg, tanggal,
                                    uow.reports.context(nip, tanggal, inp.kegiatan_id or None), source)
    if not uow.reports.add(submission.report):
        raise FailedPrecondition(_CHANGED_MEANWHILE, field="tanggal")
    return submission.view


def submit_activity_once(reports: NewReports, principal, inp: ActivityInput, draft: bool, cfg: DesConfig, *,
                         key: AnswerKey | None, encode: Callable[[dict], tuple[Any, bytes | None]],
                         decode: Callable[[bytes], Any]):
    """The SubmitActivity RPC: read the key's stored answer and the day's context, then claim the key and write
    everything in one statement. When the day's context is cached the read is skipped and the write joins
    concurrent requests' writes in one statement, answered later (`NewReports.write_joined`): the write's guard
    re-checks the context, and a failed guard or a refused request goes the reading way (which also answers a
    retried key first). A retry with the same key, even a concurrent one, gets the first answer
    (`decode(stored bytes)`); `encode(view)` gives (response, its bytes to store). The key's rules are
    `ekinerja_platform.idempotency`'s; only its claim is made here, inside the one write statement."""
    try:
        tanggal: dt.date | None = parsing.date(inp.tanggal, "tanggal", default=cfg.today())
    except InvalidArgument:
        tanggal = None  # look the key up first all the same: a retry of the same request gets the first answer
    once = _SubmitOnce(reports, principal, inp, draft, cfg, key, encode, decode, tanggal)
    cached = reports.cached(once.nip, tanggal, once.kegiatan_id) if tanggal else None
    if cached is not None:
        joined = once.joined(cached)
        if joined is not None:
            return joined
    return reports.on_one_connection(once.read_and_write)


class _SubmitOnce:
    """One SubmitActivity request on its way: the joined write on a cached context, else read then write."""

    __slots__ = ("reports", "principal", "inp", "draft", "cfg", "key", "encode", "decode", "tanggal", "nip",
                 "kegiatan_id")

    def __init__(self, reports: NewReports, principal, inp: ActivityInput, draft: bool, cfg: DesConfig,
                 key: AnswerKey | None, encode, decode, tanggal: dt.date | None):
        self.reports, self.principal, self.inp, self.draft, self.cfg = reports, principal, inp, draft, cfg
        self.key, self.encode, self.decode, self.tanggal = key, encode, decode, tanggal
        self.nip = caller_nip(principal)
        self.kegiatan_id = inp.kegiatan_id or None

    def joined(self, cached: ReportContext):
        """The answer-to-come of the joined write, or None when the cached context refuses the request (it is
        then decided on fresh data)."""
        assert self.tanggal is not None
        try:
            submission = prepare_submission(self.principal, self.inp, self.draft, self.cfg, self.tanggal, cached)
        except DomainError:
            return None
        response, payload = self.encode(submission.view)
        return self.reports.write_joined(submission.report, self.key, payload, response, self._after_refusal)

    def _after_refusal(self, guard: bool):
        """The key was claimed first (its answer is ours) or the context changed (read it again)."""
        result = self._answer_unwritten(guard, self.reports.stored_answer)
        return result if result is not None else self.reports.on_one_connection(self.read_and_write)

    def _answer_unwritten(self, guard: bool, stored: Callable[[AnswerKey], bytes | None]):
        """A write that did not happen: another request with the same key was first (its answer is ours), or the
        guard failed (None: the context changed, read it again)."""
        if guard and self.key is not None:
            payload = stored(self.key)
            if payload is None:  # pragma: no cover - a claimed key is committed before the conflict shows
                raise FailedPrecondition(_CHANGED_MEANWHILE, field="idempotency_key")
            return self.decode(payload)
        self.reports.forget(self.nip)  # the SKP, window or locks changed: read the context again
        return None

    def read_and_write(self, writes: ReportWrites):
        for _ in range(2):
            stored, ctx = writes.read(self.nip, self.tanggal, self.kegiatan_id, self.key)
            if stored is not None:
                return self.decode(stored)
            day = self.tanggal or parsing.date(self.inp.tanggal, "tanggal")  # raises the parse error
            submission = prepare_submission(self.principal, self.inp, self.draft, self.cfg, day, ctx)
            response, payload = self.encode(submission.view)
            guard, written = writes.write(submission.report, self.key, payload)
            if written:
                return response
            result = self._answer_unwritten(guard, writes.stored_answer)
            if result is not None:
                return result
        raise FailedPrecondition(_CHANGED_MEANWHILE, field="tanggal")


def _view(activity: act.Activity, instansi_id, unit_id, skp_id, evidence_id, submitted_at) -> dict:
    c = activity.content
    return dict(activity_id=activity.activity_id, nip=activity.nip, tanggal=c.tanggal, skp_id=skp_id,
                kegiatan_id=c.kegiatan_id, jenis=c.jenis, uraian=c.uraian, kuantitas=c.kuantitas, satuan=c.satuan,
                menit=c.menit, jam_mulai=c.jam_mulai, jam_selesai=c.jam_selesai, proses=c.proses,
                evidence_url=c.evidence_url, evidence_id=evidence_id, state=activity.state,
                kuantitas_diakui=activity.kuantitas_diakui, catatan=activity.catatan,
                penilai_nip=activity.penilai_nip, reviewer_nip=activity.reviewer_nip, version=activity.version,
                instansi_id=instansi_id, unit_id=unit_id, submitted_at=submitted_at, reviewed_at=None)


def _held_entry(uow: DesUnitOfWork, rpc: str, principal, activity_id: str, expected_version: int) -> Entry:
    """The entry, held until the unit ends, once the caller may change it, it is at `expected_version` (0: any)
    and its day is not locked."""
    entry = uow.reports.entry(activity_id, for_update=True)
    if entry is None:
        raise NotFound("no such activity", field="activity_id")
    row = entry.view
    authorize(rpc, principal, Target(row["nip"], row["instansi_id"], row["penilai_nip"]))
    access.check_version(row["version"], expected_version)
    access.refuse_locked_day(uow.locks.active(row["nip"], row["tanggal"]), row["tanggal"])
    return entry


def _satuan_default(uow: DesUnitOfWork, row: dict, kegiatan_id: str) -> str | None:
    """The satuan an edited entry is counted in: the kegiatan's (a new kegiatan must be on the day's SKP)."""
    if kegiatan_id and kegiatan_id != row["kegiatan_id"]:
        ctx = check_context(uow.reports.context(row["nip"], row["tanggal"], kegiatan_id), row["tanggal"],
                            kegiatan_id)
        return ctx.kegiatan_satuan
    if kegiatan_id and row["skp_id"]:
        return uow.reports.kegiatan_satuan(row["nip"], row["skp_id"]).get(kegiatan_id, row["satuan"])
    return row["satuan"]


def update_activity(uow: DesUnitOfWork, principal, activity_id: str, inp: ActivityInput, expected_version: int,
                    cfg: DesConfig) -> dict:
    entry = _held_entry(uow, "UpdateActivity", principal, activity_id, expected_version)
    row, activity = entry.view, entry.activity
    before = activity.snapshot()
    satuan_default = _satuan_default(uow, row, inp.kegiatan_id)
    content = _content(ActivityInput(**{**inp.__dict__, "tanggal": inp.tanggal or row["tanggal"].isoformat()}),
                       cfg.today(), satuan_default)
    activity.edit(caller_nip(principal), content)
    new_evidence = _new_evidence(inp, cfg)
    if new_evidence is not None:
        uow.reports.add_evidence(row["nip"], new_evidence)
    evidence_id = new_evidence.evidence_id if new_evidence else None
    at = now()
    uow.reports.save(activity, at, content_changed=True, evidence_id=evidence_id)
    uow.audit.record(row["nip"], "activity", activity_id, "edit", principal.nip, before, activity.snapshot())
    view = {**row, **_view(activity, row["instansi_id"], row["unit_id"], row["skp_id"],
                           evidence_id or row["evidence_id"], row["submitted_at"])}
    if activity.state in act.AWAITING_REVIEW:
        uow.record(events.activity_submitted(view))
    return view


def send_activity(uow: DesUnitOfWork, principal, activity_id: str, expected_version: int) -> dict:
    entry = _held_entry(uow, "SendActivity", principal, activity_id, expected_version)
    row, activity = entry.view, entry.activity
    before = activity.snapshot()
    activity.send(caller_nip(principal))
    at = now()
    uow.reports.save(activity, at, submitted=True)
    uow.audit.record(row["nip"], "activity", activity_id, "send", principal.nip, before, activity.snapshot())
    if activity.state == act.SUBMITTED:  # a draft sent for the first time (a resubmission is not counted)
        uow.reports.count_submitted(row["instansi_id"], "send")
    view = {**row, "state": activity.state, "version": activity.version, "submitted_at": at}
    uow.record(events.activity_submitted(view))
    return view
