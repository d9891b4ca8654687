"""Bulk sync for a regional agency: one batch of records → per-record results, with set-based writes.

`prepare_batch` applies the domain rules in Python (one look-up of the SKPs, kegiatan and locks the batch names;
a bad record is rejected on its own and never stops the good ones) and has the valid ones made ready to write.
`write_batch` is one transaction: the agency's record ids are claimed (re-sent records are reported as duplicates
with their first activity id), then the activities, their audit records and their `activity_submitted` events
are written set-based (`ports.Imports`; on PostgreSQL one COPY and two statements: adapters/import_sql.py). The
API overlaps the checks of a batch with the writes of the ones before it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from ekinerja_platform.domain_errors import DomainError, FailedPrecondition, InvalidArgument, quote

from ..domain import activity as act
from ..domain import entry_window
from ..domain import satuan as units
from . import parsing
from .config import DesConfig
from .policy import Target, authorize
from .ports import DesUnitOfWork, StagedBatch

CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"


class ImportRecord(NamedTuple):
    record_id: str
    nip: str
    tanggal: str
    jenis: str
    kegiatan_id: str
    uraian: str
    kuantitas: str
    satuan: str
    menit: int
    proses: bool
    evidence_url: str


def authorize_import(principal) -> str:
    authorize("ImportActivities", principal, Target(None, principal.instansi_id))
    return principal.instansi_id


def _check_day(value: str, today: dt.date, window: int) -> dt.date:
    tanggal = parsing.date(value, "tanggal")
    entry_window.check_entry_date(tanggal, today, window)
    return tanggal


def _covering(docs, locks, nip: str, tanggal: dt.date):
    """(the newest open SKP of `nip` covering the day or None, whether the day is locked)."""
    doc = next((d for d in docs.get(nip, ()) if d.period_start <= tanggal <= d.period_end), None)
    return doc, any(start <= tanggal <= end for start, end in locks.get(nip, ()))


def _validate(rec: ImportRecord, docs, kegiatan, locks, day, covering):
    if not rec.record_id or len(rec.record_id) > 128:
        raise InvalidArgument("is required (at most 128 characters)", field="record_id")
    nip = parsing.nip(rec.nip)
    tanggal = day(rec.tanggal)
    key = (nip, tanggal)
    found = covering.get(key)
    if found is None:
        found = covering[key] = _covering(docs, locks, nip, tanggal)
    doc, locked = found
    if doc is None:
        raise FailedPrecondition(f"no approved SKP of this instansi covers {tanggal.isoformat()} for this nip",
                                 field="nip")
    if locked:
        raise FailedPrecondition(f"tanggal {tanggal.isoformat()} terkunci oleh pejabat penilai", field="tanggal",
                                 reason="PERIOD_LOCKED")
    satuan = rec.satuan
    if rec.jenis == "skp":
        known = kegiatan.get((nip, doc.skp_id, rec.kegiatan_id))
        if known is None:
            raise InvalidArgument(f"{quote(rec.kegiatan_id)} is not a kegiatan of SKP {doc.skp_id}",
                                  field="kegiatan_id")
        satuan = units.check(satuan, known)
    content = act.ActivityContent(tanggal=tanggal, jenis=rec.jenis, uraian=rec.uraian,
                                  kuantitas=parsing.decimal(rec.kuantitas, "kuantitas"), satuan=satuan or "",
                                  kegiatan_id=rec.kegiatan_id or None, menit=rec.menit or None,
                                  proses=rec.proses, evidence_url=rec.evidence_url or None)
    return doc, content


@dataclass
class PreparedBatch:
    """A batch after the Python checks: results of the records already decided, the valid ones to write."""

    records: list
    results: list
    valid: list = field(default_factory=list)  # (index, record, doc, content)
    seen: dict = field(default_factory=dict)  # (nip, record_id) -> index of its first occurrence
    staged: StagedBatch | None = None  # the valid records made ready to write


def prepare_batch(uow: DesUnitOfWork, instansi_id: str, records: list[ImportRecord], cfg: DesConfig) -> PreparedBatch:
    """Apply the domain rules to every record of a batch (one look-up of the SKPs, kegiatan and locks it names)."""
    today = cfg.today()
    window = uow.imports.window_days(instansi_id, cfg.default_window_days)
    found = uow.imports.lookups(instansi_id, sorted({r.nip for r in records}))
    docs, kegiatan, locks = found.documents, found.kegiatan, found.locks
    days: dict = {}  # the date checks of a batch repeat: each distinct date string is checked once

    def day(value: str) -> dt.date:
        known = days.get(value)
        if known is None:
            try:
                known = days[value] = _check_day(value, today, window)
            except DomainError as exc:
                known = days[value] = exc
        if isinstance(known, DomainError):
            raise type(known)(known.message, field=known.field)
        return known

    batch = PreparedBatch(records, [None] * len(records))
    results, valid, seen = batch.results, batch.valid, batch.seen
    covering: dict = {}
    for i, rec in enumerate(records):
        key = (rec.nip, rec.record_id)
        if key in seen:
            results[i] = (rec.record_id, DUPLICATE, None, "")  # filled with the first one's id below
            continue
        seen[key] = i
        try:
            doc, content = _validate(rec, docs, kegiatan, locks, day, covering)
        except DomainError as exc:
            results[i] = (rec.record_id, REJECTED, "", str(exc))
            continue
        valid.append((i, rec, doc, content))
    batch.staged = uow.imports.stage(valid)
    return batch


def write_batch(uow: DesUnitOfWork, instansi_id: str, actor: str, batch: PreparedBatch, may_claim=None,
                claimed=None) -> list[tuple]:
    """Write the valid records of a prepared batch; results in input order: (record_id, status, activity_id,
    error). Batches written side by side keep their order where it matters: the batch's record ids are claimed
    only after `may_claim()` returns, and `claimed()` is called once they are."""
    results, staged = batch.results, batch.staged
    if batch.valid and staged is not None:
        duplicates = uow.imports.write(instansi_id, actor, batch.valid, staged, may_claim, claimed)
        for (i, rec, doc, _), activity_id in zip(batch.valid, staged.ids, strict=True):
            first = duplicates.get((doc.nip, rec.record_id))
            results[i] = (rec.record_id, CREATED, activity_id, "") if first is None else (
                rec.record_id, DUPLICATE, first, "")
    else:
        if may_claim is not None:
            may_claim()
        if claimed is not None:
            claimed()
    for i, rec in enumerate(batch.records):
        if results[i][1] == DUPLICATE and results[i][2] is None:
            first = results[batch.seen[(rec.nip, rec.record_id)]]
            results[i] = (rec.record_id, DUPLICATE, first[2], "") if first[1] != REJECTED else first
    return results


def actor(principal) -> str:
    return f"agency:{principal.subject}"


__all__ = ["Decimal", "ImportRecord", "authorize_import", "CREATED", "DUPLICATE", "REJECTED"]
