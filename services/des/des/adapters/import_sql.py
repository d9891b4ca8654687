"""The agency's bulk import on PostgreSQL (`ports.Imports`): one look-up of a batch's SKPs, kegiatan and locks;
the valid records staged with one COPY, their ids claimed with one ordered `INSERT … ON CONFLICT DO NOTHING`
(re-sent records are answered with their first activity id), then one set-based statement inserting the
activities, their audit records and their `activity_submitted` events (outbox bulk lane)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from ekinerja_platform import clock, tracing
from ekinerja_platform.ids import uuid7s
from ekinerja_platform.outbox import BULK_LANE

from .. import metrics
from ..application import ports
from . import event_sql
from . import repository as repo
from .tables import period_locks, skp_documents, skp_kegiatan


class SqlImports(ports.Imports):
    def __init__(self, session):
        self.session = session

    def window_days(self, instansi_id, default):
        return repo.window_days(self.session, instansi_id, default)

    def lookups(self, instansi_id, nips):
        return _lookups(self.session, instansi_id, nips)

    def stage(self, valid):
        ids, payload = _staged(valid)
        return ports.StagedBatch(ids, payload)

    def write(self, instansi_id, actor, valid, staged, may_claim=None, claimed=None):
        return _write(self.session, instansi_id, actor, valid, staged, may_claim, claimed)


def _lookups(session, instansi_id: str, nips: list[str]):
    docs = defaultdict(list)
    c = skp_documents.c
    for row in session.execute(sa.select(c.nip, c.skp_id, c.unit_id, c.penilai_nip, c.period_start, c.period_end)
                               .where(c.nip.in_(nips), c.instansi_id == instansi_id, c.closed.is_(False))
                               .order_by(c.period_start.desc())):
        docs[row.nip].append(ports.ImportDocument(*row))
    kegiatan = {(r.nip, r.skp_id, r.kegiatan_id): r.satuan for r in session.execute(
        sa.select(skp_kegiatan.c.nip, skp_kegiatan.c.skp_id, skp_kegiatan.c.kegiatan_id, skp_kegiatan.c.satuan)
        .where(skp_kegiatan.c.nip.in_(nips)))}
    locks = defaultdict(list)
    for row in session.execute(sa.select(period_locks.c.nip, period_locks.c.tanggal_start, period_locks.c.tanggal_end)
                               .where(period_locks.c.nip.in_(nips), period_locks.c.unlocked_at.is_(None))):
        locks[row.nip].append((row.tanggal_start, row.tanggal_end))
    return ports.ImportLookups(docs, kegiatan, locks)


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


def _write(session, instansi_id: str, actor: str, valid: list, staged: ports.StagedBatch, may_claim=None,
           claimed=None) -> dict[tuple[str, str], str]:
    """Stage the valid records with one COPY, claim their ids, then write them with one set-based statement."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    for month in {(c.tanggal.year, c.tanggal.month) for _, _, _, c in valid}:
        repo.ensure_partition(session, dt.date(month[0], month[1], 1))
    cursor.execute(_STAGE)
    with cursor.copy(f"COPY import_stage ({_COLUMNS}) FROM STDIN") as copy:
        copy.write(staged.payload)
    params = {"instansi": instansi_id, "actor": actor, "trace": tracing.current_traceparent(),
              "occurred": clock.now().isoformat()}
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
    return duplicates
