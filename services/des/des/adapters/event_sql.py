"""An `activity_submitted` envelope and a new activity's audit snapshot, built by PostgreSQL from a written row.

The set-based writes (an agency import, concurrent submits joined in one statement) let PostgreSQL build these JSON
values from the row's columns instead of Python encoding two documents per row. Their shape is the one of
`ekinerja_events.des.ActivitySubmitted` (as `application/events.py` builds it) and
`domain.activity.Activity.snapshot()`; integration tests compare the builds for the same values
(`tests/integration/test_event_sql.py`, the data against the definition; `tests/integration/test_rules_live.py`,
a joined submit's event and audit record against the Python builds).
"""
from __future__ import annotations

from ekinerja_platform.outbox import SCHEMA_VERSION

KUANTITAS_TEXT = "to_char({}, 'FM9999999999999990.00')"  # two places, as events.places2


def activity_submitted(row: str, *, instansi_id: str, occurred_at: str, version: str) -> str:
    """SQL of the envelope for `row` (an alias with the activity's columns and `event_id`)."""
    return f"""jsonb_build_object(
  'event_id', {row}.event_id, 'event_type', 'activity_submitted', 'schema_version', {SCHEMA_VERSION},
  'occurred_at', {occurred_at}, 'producer', 'des', 'nip', {row}.nip, 'instansi_id', {instansi_id},
  'data', jsonb_build_object(
    'activity_id', {row}.activity_id, 'nip', {row}.nip, 'instansi_id', {instansi_id}, 'unit_id', {row}.unit_id,
    'tanggal', {row}.tanggal, 'skp_id', {row}.skp_id, 'kegiatan_id', {row}.kegiatan_id, 'jenis', {row}.jenis,
    'kuantitas', {KUANTITAS_TEXT.format(f'{row}.kuantitas')}, 'menit', {row}.menit, 'proses', {row}.proses,
    'penilai_nip', {row}.penilai_nip, 'version', {version}))"""


def new_activity_snapshot(row: str) -> str:
    """SQL of the audit trail's `after` for a new entry (`Activity.snapshot()` of the entry as stored: its content,
    state and version; kuantitas with the column's two places, as every later snapshot of the entry has it)."""
    return f"""jsonb_build_object(
  'tanggal', {row}.tanggal, 'jenis', {row}.jenis, 'uraian', {row}.uraian,
  'kuantitas', {row}.kuantitas::numeric(16, 2)::text,
  'satuan', {row}.satuan, 'kegiatan_id', {row}.kegiatan_id, 'menit', {row}.menit,
  'jam_mulai', {row}.jam_mulai::text, 'jam_selesai', {row}.jam_selesai::text, 'proses', {row}.proses,
  'evidence_url', {row}.evidence_url, 'state', {row}.state, 'version', {row}.version, 'reviewer_nip', NULL,
  'catatan', NULL, 'kuantitas_diakui', NULL)"""
