"""Bulk sync for a regional agency: one batch of records → per-record results, with set-based writes.

Each batch is one transaction: the agency's record ids are claimed with one INSERT … ON CONFLICT DO NOTHING
(re-sent records are reported as duplicates with their first activity id), then the new activities, their audit
records and their `activity_submitted` events are staged with COPY and applied by one set-based
statement. A bad record is rejected on its own; it never
stops the good ones.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from ekinerja_platform.domain_errors import DomainError, FailedPrecondition, InvalidArgument
from ekinerja_platform.outbox import SCHEMA_VERSION

from ..adapters import repository as repo
from ..adapters.tables import period_locks, skp_documents, skp_kegiatan
from ..domain import activity as act
from ..domain import entry_window
from . import parsing
from .config import DesConfig
from .policy import Target, authorize

CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"


@dataclass(frozen=True)
class ImportRecord:
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


def _validate(rec: ImportRecord, docs, kegiatan, locks, today, window):
    if not rec.record_id or len(rec.record_id) > 128:
        raise InvalidArgument("is required (at most 128 characters)", field="record_id")
    nip = parsing.nip(rec.nip)
    tanggal = parsing.date(rec.tanggal, "tanggal")
    entry_window.check_entry_date(tanggal, today, window)
    doc = next((d for d in docs.get(nip, ()) if d.period_start <= tanggal <= d.period_end), None)
    if doc is None:
        raise FailedPrecondition(f"no approved SKP of this instansi covers {tanggal.isoformat()} for this nip",
                                 field="nip")
    if any(start <= tanggal <= end for start, end in locks.get(nip, ())):
        raise FailedPrecondition(f"{tanggal.isoformat()} is locked by the penilai", field="tanggal")
    satuan = rec.satuan
    if rec.jenis == "skp":
        known = kegiatan.get((nip, doc.skp_id, rec.kegiatan_id))
        if known is None:
            raise InvalidArgument(f"{rec.kegiatan_id!r} is not a kegiatan of SKP {doc.skp_id}", field="kegiatan_id")
        satuan = satuan or known
    content = act.ActivityContent(tanggal=tanggal, jenis=rec.jenis, uraian=rec.uraian,
                                  kuantitas=parsing.decimal(rec.kuantitas, "kuantitas"), satuan=satuan or "",
                                  kegiatan_id=rec.kegiatan_id or None, menit=rec.menit or None,
                                  proses=rec.proses, evidence_url=rec.evidence_url or None)
    return doc, content


def import_batch(session, principal, instansi_id: str, records: list[ImportRecord], cfg: DesConfig) -> list[tuple]:
    """Results in input order: (record_id, status, activity_id, error)."""
    today = cfg.today()
    window = repo.window_days(session, instansi_id, cfg.default_window_days)
    docs, kegiatan, locks = _lookups(session, instansi_id, sorted({r.nip for r in records}))
    results: list = [None] * len(records)
    valid = []  # (index, record, doc, content, activity_id)
    seen = {}
    for i, rec in enumerate(records):
        key = (rec.nip, rec.record_id)
        if key in seen:
            results[i] = (rec.record_id, DUPLICATE, None, "")  # filled with the first one's id below
            continue
        seen[key] = i
        try:
            doc, content = _validate(rec, docs, kegiatan, locks, today, window)
        except DomainError as exc:
            results[i] = (rec.record_id, REJECTED, "", str(exc))
            continue
        valid.append((i, rec, doc, content))
    if valid:
        _write(session, instansi_id, f"agency:{principal.subject}", valid, results)
    for i, rec in enumerate(records):
        if results[i][1] == DUPLICATE and results[i][2] is None:
            first = results[seen[(rec.nip, rec.record_id)]]
            results[i] = (rec.record_id, DUPLICATE, first[2], "") if first[1] != REJECTED else first
    return results


_STAGE = """
CREATE TEMP TABLE import_stage (
  nip text, record_id text, tanggal date, skp_id text, kegiatan_id text, jenis text, uraian text,
  kuantitas numeric(16, 2), satuan text, menit integer, proses boolean, evidence_url text, unit_id text,
  penilai_nip text) ON COMMIT DROP
"""
# One statement: claim the record ids, insert the activities, their audit records and their events (built by
# PostgreSQL: the envelope of DESIGN §5 with the data of docs/events.md), and answer which records were new.
_APPLY = """
WITH claimed AS (
  INSERT INTO import_records (nip, instansi_id, record_id, activity_id, tanggal)
  SELECT nip, %(instansi)s::text, record_id, gen_random_uuid(), tanggal FROM import_stage
  ON CONFLICT DO NOTHING RETURNING nip, record_id, activity_id
), ins AS (
  INSERT INTO activities (nip, tanggal, activity_id, instansi_id, unit_id, skp_id, kegiatan_id, jenis, uraian,
                          kuantitas, satuan, menit, proses, evidence_url, state, penilai_nip, version, source,
                          submitted_at, created_at, updated_at)
  SELECT s.nip, s.tanggal, c.activity_id, %(instansi)s::text, s.unit_id, s.skp_id, s.kegiatan_id, s.jenis, s.uraian,
         s.kuantitas, s.satuan, s.menit, s.proses, s.evidence_url, 'submitted', s.penilai_nip, 1, 'import',
         now(), now(), now()
  FROM import_stage s JOIN claimed c ON c.nip = s.nip AND c.record_id = s.record_id
  RETURNING nip, tanggal, activity_id, unit_id, skp_id, kegiatan_id, jenis, kuantitas, menit, proses, penilai_nip
), audited AS (
  INSERT INTO audit_trail (nip, entity, entity_id, action, actor, after)
  SELECT nip, 'activity', activity_id::text, 'import', %(actor)s::text,
         jsonb_build_object('state', 'submitted', 'version', 1) FROM ins
), evented AS (
  INSERT INTO outbox (event_id, event_type, payload)
  SELECT e.event_id, 'activity_submitted', jsonb_build_object(
    'event_id', e.event_id, 'event_type', 'activity_submitted', 'schema_version', %(schema)s::int,
    'occurred_at', %(occurred)s::text, 'producer', 'des', 'nip', e.nip, 'instansi_id', %(instansi)s::text,
    'data', jsonb_build_object(
      'activity_id', e.activity_id, 'nip', e.nip, 'instansi_id', %(instansi)s::text, 'unit_id', e.unit_id,
      'tanggal', e.tanggal, 'skp_id', e.skp_id, 'kegiatan_id', e.kegiatan_id, 'jenis', e.jenis,
      'kuantitas', to_char(e.kuantitas, 'FM9999999999999990.00'), 'menit', e.menit, 'proses', e.proses,
      'penilai_nip', e.penilai_nip, 'version', 1))
  FROM (SELECT gen_random_uuid() AS event_id, ins.* FROM ins) e
)
SELECT c.nip, c.record_id, c.activity_id, true FROM claimed c
UNION ALL
SELECT s.nip, s.record_id, i.activity_id, false FROM import_stage s
JOIN import_records i ON i.nip = s.nip AND i.instansi_id = %(instansi)s::text AND i.record_id = s.record_id
WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.nip = s.nip AND c.record_id = s.record_id)
"""
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    return "\\N" if value is None else str(value).translate(_ESCAPE)


def _write(session, instansi_id: str, actor: str, valid: list, results: list) -> None:
    """Stage the valid records with one COPY, then apply them with one set-based statement."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    for month in {(c.tanggal.year, c.tanggal.month) for _, _, _, c in valid}:
        repo.ensure_partition(session, dt.date(month[0], month[1], 1))
    cursor.execute(_STAGE)
    lines = []
    for _, rec, doc, c in valid:
        lines.append("\t".join((
            doc.nip, _text(rec.record_id), c.tanggal.isoformat(), _text(doc.skp_id), _text(c.kegiatan_id), c.jenis,
            _text(c.uraian), str(c.kuantitas), _text(c.satuan), _text(c.menit), "t" if c.proses else "f",
            _text(c.evidence_url), _text(doc.unit_id), _text(doc.penilai_nip))))
    with cursor.copy("COPY import_stage FROM STDIN") as copy:
        copy.write("\n".join(lines) + "\n")
    cursor.execute(_APPLY, {"instansi": instansi_id, "actor": actor, "schema": SCHEMA_VERSION,
                            "occurred": dt.datetime.now(dt.timezone.utc).isoformat()})
    outcome = {(nip, record_id): (str(activity_id), new) for nip, record_id, activity_id, new in cursor.fetchall()}
    for i, rec, doc, _ in valid:
        activity_id, new = outcome[(doc.nip, rec.record_id)]
        results[i] = (rec.record_id, CREATED if new else DUPLICATE, activity_id, "")


__all__ = ["Decimal", "ImportRecord", "import_batch", "authorize_import", "CREATED", "DUPLICATE", "REJECTED"]
