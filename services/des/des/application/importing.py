"""Bulk sync for a regional agency: one batch of records → per-record results, with set-based writes.

`prepare_batch` applies the domain rules in Python (one look-up of the SKPs, kegiatan and locks the batch names;
a bad record is rejected on its own and never stops the good ones) and builds the COPY text of the valid ones.
`write_batch` is one transaction: the records are staged with one COPY, the agency's record ids are claimed with
one ordered `INSERT … ON CONFLICT DO NOTHING` (re-sent records are reported as duplicates with their first
activity id), then one set-based statement inserts the activities, their audit records and their
`activity_submitted` events. The API overlaps the checks of a batch with the writes of the ones before it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa

from ekinerja_platform import tracing
from ekinerja_platform.domain_errors import DomainError, FailedPrecondition, InvalidArgument, quote
from ekinerja_platform.ids import uuid7s
from ekinerja_platform.outbox import BULK_LANE

from .. import metrics
from ..adapters import event_sql
from ..adapters import repository as repo
from ..adapters.tables import period_locks, skp_documents, skp_kegiatan
from ..domain import activity as act
from ..domain import entry_window
from ..domain import satuan as units
from . import parsing
from .config import DesConfig
from .policy import Target, authorize

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


def _lookups(session, instansi_id: str, nips: list[str]):
    docs = defaultdict(list)
    for row in session.execute(sa.select(skp_documents).where(
            skp_documents.c.nip.in_(nips), skp_documents.c.instansi_id == instansi_id,
            skp_documents.c.closed.is_(False)).order_by(skp_documents.c.period_start.desc())):
        docs[row.nip].append(row)
    kegiatan = {(r.nip, r.skp_id, r.kegiatan_id): r.satuan for r in session.execute(
        sa.select(skp_kegiatan.c.nip, skp_kegiatan.c.skp_id, skp_kegiatan.c.kegiatan_id, skp_kegiatan.c.satuan)
        .where(skp_kegiatan.c.nip.in_(nips)))}
    locks = defaultdict(list)
    for row in session.execute(sa.select(period_locks.c.nip, period_locks.c.tanggal_start, period_locks.c.tanggal_end)
                               .where(period_locks.c.nip.in_(nips), period_locks.c.unlocked_at.is_(None))):
        locks[row.nip].append((row.tanggal_start, row.tanggal_end))
    return docs, kegiatan, locks


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
    ids: list = field(default_factory=list)  # new activity ids of the valid records
    staged: str = ""  # the valid records as COPY text


def prepare_batch(session, instansi_id: str, records: list[ImportRecord], cfg: DesConfig) -> PreparedBatch:
    """Apply the domain rules to every record of a batch (one look-up of the SKPs, kegiatan and locks it names)."""
    today = cfg.today()
    window = repo.window_days(session, instansi_id, cfg.default_window_days)
    docs, kegiatan, locks = _lookups(session, instansi_id, sorted({r.nip for r in records}))
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
    batch.ids, batch.staged = _staged(valid)
    return batch


def write_batch(session, instansi_id: str, actor: str, batch: PreparedBatch, may_claim=None,
                claimed=None) -> list[tuple]:
    """Write the valid records of a prepared batch; results in input order: (record_id, status, activity_id,
    error). Batches written side by side keep their order where it matters: the batch's record ids are claimed
    only after `may_claim()` returns, and `claimed()` is called once they are."""
    results = batch.results
    if batch.valid:
        _write(session, instansi_id, actor, batch, may_claim, claimed)
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


def import_batch(session, principal, instansi_id: str, records: list[ImportRecord], cfg: DesConfig) -> list[tuple]:
    """Results in input order: (record_id, status, activity_id, error)."""
    return write_batch(session, instansi_id, actor(principal), prepare_batch(session, instansi_id, records, cfg))


def actor(principal) -> str:
    return f"agency:{principal.subject}"


_COLUMNS = ("nip, record_id, tanggal, skp_id, kegiatan_id, jenis, uraian, kuantitas, satuan, menit, proses, "
            "evidence_url, unit_id, penilai_nip, activity_id, event_id")
_STAGE = """
CREATE TEMP TABLE import_stage (
  nip text, record_id text, tanggal date, skp_id text, kegiatan_id text, jenis text, uraian text,
  kuantitas numeric(16, 2), satuan text, menit integer, proses boolean, evidence_url text, unit_id text,
  penilai_nip text, activity_id uuid, event_id uuid) ON COMMIT DROP
"""
# Claim the agency's record ids, in a fixed order (concurrent batches never deadlock on each other's claims).
_CLAIM = """
WITH claimed AS (
  INSERT INTO import_records (nip, instansi_id, record_id, activity_id, tanggal)
  SELECT nip, %(instansi)s::text, record_id, activity_id, tanggal FROM import_stage ORDER BY nip, record_id
  ON CONFLICT DO NOTHING RETURNING 1
) SELECT count(*) FROM claimed
"""
# Records claimed earlier (by an earlier stream or a concurrent batch, committed by now): drop them from the
# stage and answer their first activity id.
_UNSTAGE_DUPLICATES = """
DELETE FROM import_stage s USING import_records i
WHERE i.nip = s.nip AND i.instansi_id = %(instansi)s::text AND i.record_id = s.record_id
  AND i.activity_id <> s.activity_id
RETURNING s.nip, s.record_id, i.activity_id::text
"""
# One statement: the activities, their audit records and their events (built by PostgreSQL: the envelope of
# DESIGN §5 with the data of docs/events.md).
_APPLY = """
WITH activity AS (
  INSERT INTO activities (nip, tanggal, activity_id, instansi_id, unit_id, skp_id, kegiatan_id, jenis, uraian,
                          kuantitas, satuan, menit, proses, evidence_url, state, penilai_nip, version, source,
                          submitted_at, created_at, updated_at)
  SELECT s.nip, s.tanggal, s.activity_id, %(instansi)s::text, s.unit_id, s.skp_id, s.kegiatan_id, s.jenis, s.uraian,
         s.kuantitas, s.satuan, s.menit, s.proses, s.evidence_url, 'submitted', s.penilai_nip, 1, 'import',
         now(), now(), now()
  FROM import_stage s
), audited AS (
  INSERT INTO audit_trail (nip, entity, entity_id, action, actor, after)
  SELECT s.nip, 'activity', s.activity_id::text, 'import', %(actor)s::text,
         '{"state": "submitted", "version": 1}'::jsonb
  FROM import_stage s
)
INSERT INTO outbox (event_id, event_type, lane, trace_context, payload)
SELECT e.event_id, 'activity_submitted', """ + str(BULK_LANE) + """, %(trace)s::text, """ + \
    event_sql.activity_submitted("e", instansi_id="%(instansi)s::text", occurred_at="%(occurred)s::text",
                                 version="1") + """
FROM import_stage e
"""
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    return "\\N" if value is None else str(value).translate(_ESCAPE)


def _staged(valid: list) -> tuple[list[str], str]:
    """New activity ids for the valid records and the COPY text staging them (with their events' ids); both
    time-ordered, so the indexes on them grow at their right edge."""
    lines = []
    ids = uuid7s(len(valid))
    event_ids = uuid7s(len(valid))
    per_doc = {}  # the document's columns, escaped once per batch
    for (_, rec, doc, c), activity_id, event_id in zip(valid, ids, event_ids, strict=True):
        doc_key = (doc.nip, doc.skp_id)
        doc_text = per_doc.get(doc_key)
        if doc_text is None:
            doc_text = per_doc[doc_key] = (doc.nip, _text(doc.skp_id), _text(doc.unit_id), _text(doc.penilai_nip))
        lines.append("\t".join((
            doc_text[0], _text(rec.record_id), c.tanggal.isoformat(), doc_text[1], _text(c.kegiatan_id), c.jenis,
            _text(c.uraian), str(c.kuantitas), _text(c.satuan), "\\N" if c.menit is None else str(c.menit),
            "t" if c.proses else "f", _text(c.evidence_url), doc_text[2], doc_text[3], activity_id, event_id)))
    lines.append("")
    return ids, "\n".join(lines)


def _write(session, instansi_id: str, actor: str, batch, may_claim=None, claimed=None) -> None:
    """Stage the valid records with one COPY, claim their ids, then write them with one set-based statement."""
    valid, results = batch.valid, batch.results
    cursor = session.connection().connection.dbapi_connection.cursor()
    for month in {(c.tanggal.year, c.tanggal.month) for _, _, _, c in valid}:
        repo.ensure_partition(session, dt.date(month[0], month[1], 1))
    cursor.execute(_STAGE)
    ids, staged = batch.ids, batch.staged
    with cursor.copy(f"COPY import_stage ({_COLUMNS}) FROM STDIN") as copy:
        copy.write(staged)
    params = {"instansi": instansi_id, "actor": actor, "trace": tracing.current_traceparent(),
              "occurred": dt.datetime.now(dt.timezone.utc).isoformat()}
    if may_claim is not None:
        may_claim()
    cursor.execute(_CLAIM, params)
    duplicates = {}
    if cursor.fetchone()[0] != len(valid):
        cursor.execute(_UNSTAGE_DUPLICATES, params)
        duplicates = {(nip, record_id): first for nip, record_id, first in cursor.fetchall()}
    if claimed is not None:
        claimed()
    if len(duplicates) < len(valid):
        cursor.execute(_APPLY, params)
        metrics.submitted_on_commit(session, instansi_id, "import", len(valid) - len(duplicates))
    for (i, rec, doc, _), activity_id in zip(valid, ids, strict=True):
        first = duplicates.get((doc.nip, rec.record_id))
        results[i] = (rec.record_id, CREATED, activity_id, "") if first is None else (
            rec.record_id, DUPLICATE, first, "")


__all__ = ["Decimal", "ImportRecord", "import_batch", "authorize_import", "CREATED", "DUPLICATE", "REJECTED"]
