"""SQL of a new activity report: its context in one read, then the whole write in one statement.

`read_context` answers, in one round trip, the stored answer of an idempotency key (if any) and the context of the
day: the SKP covering it (with its version), the instansi's entry window, whether the day is locked and the named
kegiatan. `write_submissions` then, for one report or for several concurrent ones at once (one row each, joined
by `direct.GroupCommit`), claims the idempotency key (when there is one) and inserts the evidence file, the
activity, its audit record and its `activity_submitted` event (both JSON documents built by PostgreSQL from the
row, `event_sql.py`) in one data-modifying statement, each row guarded by a
fresh look at what the context said: the SKP (same version, still open, still covering the day; its row is
key-share locked, so a concurrent lock or SKP change waits for this entry), the instansi's entry window and the
day's locks. Because the guard re-checks it, the context of a day may be served from `contexts`, a small
per-process cache filled by reads and emptied when this process applies an SKP event or a window change; a
stale entry (another replica applied the event) only makes the guard fail and the context be read again. Locks
are never taken from the cache. Both run on a psycopg connection
or cursor: autocommit for the submit RPC (each statement is atomic), or inside a session's transaction (quick entry).
The application sees this path as its `NewReports` port (`DirectReports`, `CursorReports`), the unit's form as
`Reports` (reports_sql.py).
"""
from __future__ import annotations

import base64
import datetime as dt
import json

import psycopg

from ekinerja_platform import tracing
from ekinerja_platform.pending import PendingAnswer

from .. import metrics
from ..application.ports import AnswerKey, NewEvidence, NewReport, NewReports, ReportContext, ReportWrites
from . import event_sql
from .direct import DirectAccess, Retry
from .repository import known_partition, remember_partition

_CONTEXT = """
SELECT (SELECT i.response FROM idempotency_keys i WHERE i.scope = %(scope)s::text AND i.key = %(key)s::text),
       c.skp_id, c.instansi_id, c.unit_id, c.penilai_nip, c.skp_version, c.window_days, c.locked, c.kegiatan_id,
       c.kegiatan_satuan, c.kegiatan_nomor, c.ruleset
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
  SELECT s.skp_id, s.instansi_id, s.unit_id, s.penilai_nip, s.version AS skp_version,
         (SELECT w.window_days FROM instansi_settings w WHERE w.instansi_id = s.instansi_id) AS window_days,
         EXISTS (SELECT 1 FROM period_locks l WHERE l.nip = s.nip AND l.unlocked_at IS NULL
                 AND l.tanggal_start <= %(tanggal)s::date AND l.tanggal_end >= %(tanggal)s::date) AS locked,
         k.kegiatan_id, k.satuan AS kegiatan_satuan, k.nomor AS kegiatan_nomor, s.ruleset
  FROM skp_documents s
  LEFT JOIN skp_kegiatan k ON k.nip = s.nip AND k.skp_id = s.skp_id AND k.kegiatan_id = %(kegiatan_id)s::text
  WHERE s.nip = %(nip)s::text AND s.period_start <= %(tanggal)s::date AND s.period_end >= %(tanggal)s::date
    AND NOT s.closed
  ORDER BY s.period_start DESC LIMIT 1) AS c ON true
"""

# Columns of one submission as `_WRITE` reads them from its one JSON parameter (an array of rows; psycopg dumps
# an array parameter element by element in Python, which cost more than the statement's round trip).
_COLUMNS = (
    ("nip", "text"), ("skp_id", "text"), ("skp_version", "bigint"), ("tanggal", "date"), ("window_days", "integer"),
    ("scope", "text"), ("key", "text"), ("response", "text"),
    ("evidence_id", "uuid"), ("evidence_type", "text"), ("evidence_sha256", "text"), ("evidence_data", "text"),
    ("activity_id", "uuid"), ("instansi_id", "text"), ("unit_id", "text"), ("kegiatan_id", "text"), ("jenis", "text"),
    ("uraian", "text"), ("kuantitas", "numeric"), ("satuan", "text"), ("menit", "integer"), ("jam_mulai", "time"),
    ("jam_selesai", "time"), ("proses", "boolean"), ("evidence_url", "text"), ("state", "text"),
    ("penilai_nip", "text"), ("version", "integer"), ("source", "text"), ("submitted_at", "timestamptz"),
    ("at", "timestamptz"), ("event_id", "uuid"), ("occurred_at", "text"), ("trace_context", "text"),
)

_WRITE = """
WITH x AS (
  SELECT * FROM ROWS FROM (json_to_recordset(%(rows)s::json)
                          AS (""" + ", ".join(f"{name} {kind}" for name, kind in _COLUMNS) + """))
  WITH ORDINALITY AS x(""" + ", ".join(name for name, _ in _COLUMNS) + """, n)
), guard AS (
  SELECT x.n FROM x JOIN skp_documents s ON s.nip = x.nip AND s.skp_id = x.skp_id AND s.version = x.skp_version
  WHERE NOT s.closed AND s.period_start <= x.tanggal AND s.period_end >= x.tanggal
    AND coalesce((SELECT w.window_days FROM instansi_settings w WHERE w.instansi_id = s.instansi_id), -1)
        = x.window_days
    AND NOT EXISTS (SELECT 1 FROM period_locks l WHERE l.nip = s.nip AND l.unlocked_at IS NULL
                    AND l.tanggal_start <= x.tanggal AND l.tanggal_end >= x.tanggal)
  FOR KEY SHARE OF s
), claim AS (
  INSERT INTO idempotency_keys (scope, key, response)
  SELECT x.scope, x.key, decode(x.response, 'base64') FROM x JOIN guard USING (n)
  WHERE x.key IS NOT NULL ORDER BY x.scope, x.key
  ON CONFLICT DO NOTHING RETURNING scope, key
), go AS (
  SELECT x.* FROM x JOIN guard USING (n)
  WHERE x.key IS NULL OR EXISTS (SELECT 1 FROM claim c WHERE c.scope = x.scope AND c.key = x.key)
), evidence AS (
  INSERT INTO evidence_files (nip, evidence_id, content_type, size, sha256, data)
  SELECT nip, evidence_id, evidence_type, length(data), evidence_sha256, data
  FROM go, decode(go.evidence_data, 'base64') AS data WHERE evidence_id IS NOT NULL
), activity AS (
  INSERT INTO activities (nip, tanggal, activity_id, instansi_id, unit_id, skp_id, kegiatan_id, jenis, uraian,
                          kuantitas, satuan, menit, jam_mulai, jam_selesai, proses, evidence_url, evidence_id, state,
                          penilai_nip, version, source, submitted_at, created_at, updated_at)
  SELECT nip, tanggal, activity_id, instansi_id, unit_id, skp_id, kegiatan_id, jenis, uraian, kuantitas, satuan,
         menit, jam_mulai, jam_selesai, proses, evidence_url, evidence_id, state, penilai_nip, version, source,
         submitted_at, at, at
  FROM go
), audited AS (
  INSERT INTO audit_trail (nip, entity, entity_id, action, actor, at, after)
  SELECT nip, 'activity', activity_id::text, 'create', nip, at, """ + event_sql.new_activity_snapshot("go") + """
  FROM go
), evented AS (
  INSERT INTO outbox (event_id, event_type, trace_context, payload)
  SELECT event_id, 'activity_submitted', trace_context, """ + event_sql.activity_submitted(
    "go", instansi_id="go.instansi_id", occurred_at="go.occurred_at", version="go.version") + """
  FROM go WHERE event_id IS NOT NULL
)
SELECT EXISTS (SELECT 1 FROM guard WHERE guard.n = x.n), EXISTS (SELECT 1 FROM go WHERE go.n = x.n)
FROM x ORDER BY x.n
"""

_STORED = "SELECT response FROM idempotency_keys WHERE scope = %(scope)s::text AND key = %(key)s::text"


Context = ReportContext  # the day's context as `read_context` gives it


def read_context(cursor, nip: str, tanggal: dt.date | None, kegiatan_id: str | None,
                 scope: str | None = None, key: str | None = None) -> tuple[bytes | None, Context | None]:
    """(the stored answer of `key` in `scope` or None, the day's context or None when no open SKP covers it)."""
    try:
        cursor.execute(_CONTEXT, {"scope": scope, "key": key, "nip": nip, "tanggal": tanggal,
                                  "kegiatan_id": kegiatan_id or ""})
    except psycopg.OperationalError:
        if cursor.connection.broken:  # e.g. the server restarted since the pool last used it; nothing was written
            raise Retry() from None
        raise
    row = cursor.fetchone()
    stored = bytes(row[0]) if row[0] is not None else None
    return stored, (Context(*row[1:]) if row[1] is not None else None)


def stored_response(cursor, scope: str, key: str) -> bytes | None:
    cursor.execute(_STORED, {"scope": scope, "key": key})
    row = cursor.fetchone()
    return bytes(row[0]) if row else None


def ensure_partition(cursor, tanggal: dt.date) -> None:
    if not known_partition(tanggal):
        cursor.execute("SELECT des_ensure_activity_partition(%s::date)", (tanggal,))
        remember_partition(tanggal)


def _text(value):
    return None if value is None else str(value)


def _base64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def submission_row(*, activity, ctx: Context, source: str, at: dt.datetime, evidence: NewEvidence | None,
                   event_id: str | None, scope: str | None = None, key: str | None = None,
                   response: bytes | None = None) -> dict:
    """The values `write_submissions` stores for one new report (`key`: its idempotency key, claimed with it),
    as JSON values."""
    c = activity.content
    at_text = at.isoformat()
    return {
        "nip": activity.nip, "skp_id": ctx.skp_id, "skp_version": ctx.skp_version, "tanggal": c.tanggal.isoformat(),
        "window_days": -1 if ctx.window_days is None else ctx.window_days,
        "scope": scope, "key": key, "response": _base64(response),
        "evidence_id": _text(evidence.evidence_id) if evidence else None,
        "evidence_type": evidence.content_type if evidence else None,
        "evidence_sha256": evidence.sha256 if evidence else None,
        "evidence_data": _base64(evidence.data) if evidence else None,
        "activity_id": str(activity.activity_id), "instansi_id": ctx.instansi_id, "unit_id": ctx.unit_id,
        "kegiatan_id": c.kegiatan_id, "jenis": c.jenis, "uraian": c.uraian, "kuantitas": _text(c.kuantitas),
        "satuan": c.satuan, "menit": c.menit, "jam_mulai": _text(c.jam_mulai), "jam_selesai": _text(c.jam_selesai),
        "proses": c.proses, "evidence_url": c.evidence_url, "state": activity.state,
        "penilai_nip": activity.penilai_nip, "version": activity.version, "source": source,
        "submitted_at": None if activity.state == "draft" else at_text, "at": at_text,
        # the audit snapshot and the event's envelope are built by PostgreSQL from these columns (event_sql.py)
        "event_id": event_id, "occurred_at": at_text if event_id else None,
        # the submitting call's trace, continued by the relay and the consumers (None while tracing is off)
        "trace_context": tracing.current_traceparent() if event_id else None,
    }


def write_submissions(cursor, rows: list[dict]) -> list[tuple[bool, bool]]:
    """Write several new reports in one statement: per row (its guard held, it was written). A row whose
    idempotency key another request claimed first is not written; two rows of one call must not share a key."""
    for tanggal in {row["tanggal"] for row in rows}:
        ensure_partition(cursor, dt.date.fromisoformat(tanggal))
    cursor.execute(_WRITE, {"rows": json.dumps(rows, separators=(",", ":"))})
    return [(guard, written) for guard, written in cursor.fetchall()]


class ContextCache:
    """Contexts of (nip, day, kegiatan) without their lock flag (locks are always read fresh by the guard)."""

    def __init__(self, max_entries: int = 20000):
        self.max_entries = max_entries
        self._by_nip: dict[str, dict] = {}
        self._size = 0

    def get(self, nip: str, tanggal: dt.date, kegiatan_id: str | None) -> Context | None:
        return self._by_nip.get(nip, {}).get((tanggal, kegiatan_id or ""))

    def put(self, nip: str, tanggal: dt.date, kegiatan_id: str | None, ctx: Context | None) -> None:
        if ctx is None or ctx.locked:
            return
        if self._size >= self.max_entries:
            self.clear()
        entries = self._by_nip.setdefault(nip, {})
        if (tanggal, kegiatan_id or "") not in entries:
            self._size += 1
        entries[(tanggal, kegiatan_id or "")] = ctx

    def forget(self, nip: str) -> None:
        self._size -= len(self._by_nip.pop(nip, {}))

    def clear(self) -> None:
        self._by_nip.clear()
        self._size = 0


contexts = ContextCache()


def report_row(report: NewReport, key: AnswerKey | None, response: bytes | None) -> dict:
    scope, name = key if key is not None else (None, None)
    return submission_row(activity=report.activity, ctx=report.ctx, source=report.source, at=report.at,
                          evidence=report.evidence, event_id=report.event_id, scope=scope, key=name,
                          response=response)


def _count_committed(report: NewReport) -> None:
    if report.event_id is not None:  # sent for review (not a draft); autocommit: the row is committed
        metrics.submitted(report.ctx.instansi_id, report.source)


class CursorReports(ReportWrites):
    """SubmitActivity's statements on one autocommit connection's cursor."""

    __slots__ = ("cursor",)

    def __init__(self, cursor):
        self.cursor = cursor

    def read(self, nip, tanggal, kegiatan_id, key):
        scope, name = key if key is not None else (None, None)
        stored, ctx = read_context(self.cursor, nip, tanggal, kegiatan_id, scope, name)
        if stored is None and tanggal is not None:
            contexts.put(nip, tanggal, kegiatan_id, ctx)
        return stored, ctx

    def write(self, report, key, response):
        guard, written = write_submissions(self.cursor, [report_row(report, key, response)])[0]
        if written:
            _count_committed(report)
        return guard, written

    def stored_answer(self, key):
        return stored_response(self.cursor, *key)


class DirectReports(NewReports):
    """`NewReports` on des's direct connections (direct.py): autocommit statements, the process's context cache,
    concurrent writes joined by a `GroupCommit` and answered by a `PendingAnswer` (no worker waits for them)."""

    __slots__ = ("direct",)

    def __init__(self, direct: DirectAccess):
        self.direct = direct

    def cached(self, nip, tanggal, kegiatan_id):
        return contexts.get(nip, tanggal, kegiatan_id)

    def forget(self, nip):
        contexts.forget(nip)

    def on_one_connection(self, work):
        return self.direct.run(lambda conn: work(CursorReports(conn.cursor())))

    def stored_answer(self, key):
        return self.direct.run(lambda conn: stored_response(conn.cursor(), *key))

    def write_joined(self, report, key, response, answer, otherwise):
        pending = PendingAnswer()
        soon = self.direct.soon

        def written(outcome):
            guard, was_written = outcome
            if was_written:  # the joined statement is committed
                _count_committed(report)
                pending.resolve(answer)
            else:  # rare: blocking reads, which the writer that calls this must not do itself
                soon(lambda: pending.settle_with(lambda: otherwise(guard)))

        self.direct.write_together(write_submissions, report_row(report, key, response), key, written,
                                   pending.fail)
        return pending
