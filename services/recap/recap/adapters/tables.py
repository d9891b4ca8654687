"""Recap's own tables: the event log, facts per activity and plan, counters, and the reference data from identity
and skp events. `nip` is in every per-employee primary key (DESIGN §7: distributable by NIP later)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()
Q = sa.Numeric(18, 4)


def _counter_columns():
    return [sa.Column("plans", sa.Integer, nullable=False, server_default="0"),
            sa.Column("planned_qty", Q, nullable=False, server_default="0"),
            sa.Column("reported", sa.Integer, nullable=False, server_default="0"),
            sa.Column("reported_qty", Q, nullable=False, server_default="0"),
            sa.Column("reported_minutes", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("approved", sa.Integer, nullable=False, server_default="0"),
            sa.Column("recognised_qty", Q, nullable=False, server_default="0"),
            sa.Column("recognised_qty_final", Q, nullable=False, server_default="0"),
            sa.Column("approved_minutes", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("pending", sa.Integer, nullable=False, server_default="0"),
            sa.Column("revisions", sa.Integer, nullable=False, server_default="0")]


# Every applied envelope, written in the same transaction as its effect: the source of `python -m recap rebuild`.
event_log = sa.Table(
    "event_log", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("producer", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("envelope", JSONB, nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

activities = sa.Table(
    "activities", metadata,
    sa.Column("activity_id", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text),
    sa.Column("instansi_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("tanggal", sa.Date),
    sa.Column("status", sa.Text),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("penilai_nip", sa.Text),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("state", JSONB, nullable=False),
    sa.Index("activities_pending", "instansi_id", "penilai_nip",
             postgresql_where=sa.text("status = 'submitted' AND NOT locked")),
    sa.Index("activities_nip_day", "nip", "tanggal"),
    # the oldest pending entry per employee without reading its approved ones
    sa.Index("activities_pending_nip", "nip", "tanggal",
             postgresql_where=sa.text("status = 'submitted' AND NOT locked")),
)

plans = sa.Table(
    "plans", metadata,
    sa.Column("plan_id", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text),
    sa.Column("tanggal", sa.Date),
    sa.Column("state", JSONB, nullable=False),
    sa.Index("plans_nip_day", "nip", "tanggal"),
)

employee_counters = sa.Table(
    "employee_counters", metadata,
    sa.Column("unit_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("period_key", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, primary_key=True),
    *_counter_columns(),
    sa.Index("employee_counters_nip", "nip", "kind", "period_key"),
    sa.Index("employee_counters_instansi", "instansi_id", "kind", "period_key"),
)

kegiatan_counters = sa.Table(
    "kegiatan_counters", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("period_key", sa.Text, primary_key=True),
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("kegiatan_id", sa.Text, primary_key=True),
    *_counter_columns(),
)

employees = sa.Table(
    "employees", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("nama", sa.Text),
    sa.Column("instansi_id", sa.Text),
    sa.Column("golongan", sa.Text),
    sa.Column("status", sa.Text),
)

status_spans = sa.Table(
    "status_spans", metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("nip", sa.Text, nullable=False, index=True),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date),
    sa.Column("old_status", sa.Text),
    sa.Column("new_status", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.Text),
)

assignments = sa.Table(
    "assignments", metadata,
    sa.Column("assignment_id", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text, nullable=False, index=True),
    sa.Column("instansi_id", sa.Text),
    sa.Column("jabatan_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    sa.Column("acting", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("penilai_nip", sa.Text, index=True),
    # every holder above (identity's `heads`): they read this employee's recaps (issue 16.3)
    sa.Column("heads", ARRAY(sa.Text)),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Index("assignments_unit", "unit_id"),
    sa.Index("assignments_heads", "heads", postgresql_using="gin"),
)

positions = sa.Table(
    "positions", metadata,
    sa.Column("jabatan_id", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("nama", sa.Text),
    sa.Column("version", sa.BigInteger, nullable=False),
)

units = sa.Table(
    "units", metadata,
    sa.Column("unit_id", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text),
    sa.Column("nama", sa.Text),
    sa.Column("named_at", sa.Text, nullable=False, server_default=""),  # occurred_at of the event that named it
)

skps = sa.Table(
    "skps", metadata,
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text, index=True),
    sa.Column("instansi_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("jabatan_id", sa.Text),
    sa.Column("period_start", sa.Date),
    sa.Column("period_end", sa.Date),
    sa.Column("penilai_nip", sa.Text, index=True),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="-1"),
    sa.Column("closed_on", sa.Date),
    sa.Column("close_reason", sa.Text),
)

skp_kegiatan = sa.Table(
    "skp_kegiatan", metadata,
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("kegiatan_id", sa.Text, primary_key=True),
    sa.Column("nomor", sa.Integer),
    sa.Column("nama", sa.Text),
    sa.Column("satuan", sa.Text),
    sa.Column("kuantitas", Q, nullable=False),
)

skp_scores = sa.Table(
    "skp_scores", metadata,
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text),
    sa.Column("instansi_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("penilai_nip", sa.Text),
    sa.Column("nilai_capaian_skp", Q),
    sa.Column("nilai_perilaku", Q),
    sa.Column("nilai_prestasi_kerja", Q),
    sa.Column("sebutan", sa.Text),
    sa.Column("occurred_at", sa.Text),
)

# PermenPANRB 6/2022: a rated period (skp's `evaluasi_rated`, final once rated), with the realisation per IKI it
# was rated on (JSONB lines: rhk_id, iki_id, nomor, uraian, target, satuan, realisasi, bukti)
evaluasi_periodik = sa.Table(
    "evaluasi_periodik", metadata,
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("periode", sa.Text, primary_key=True),  # 2024-03 | 2024-Q1 | 2024
    sa.Column("nip", sa.Text, nullable=False),
    sa.Column("instansi_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("jenis_periode", sa.Text, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("bulan", sa.Integer, nullable=False),
    sa.Column("penilai_nip", sa.Text),
    sa.Column("hasil_kerja", sa.Text, nullable=False),
    sa.Column("perilaku", sa.Text, nullable=False),
    sa.Column("predikat", sa.Text, nullable=False),
    sa.Column("kode_predikat", sa.Integer, nullable=False),
    sa.Column("jenjang", sa.Text),
    sa.Column("angka_kredit", sa.Numeric(12, 3)),
    sa.Column("realisasi", JSONB, nullable=False, server_default="[]"),
    sa.Column("occurred_at", sa.Text),
    sa.Index("evaluasi_periodik_nip", "nip", "period_start"),
)

monthly_quality = sa.Table(
    "monthly_quality", metadata,
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("kegiatan_id", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("bulan", sa.Integer, primary_key=True),
    sa.Column("nip", sa.Text),
    sa.Column("kualitas", Q),
    sa.Column("occurred_at", sa.Text),
)

# des's monthly split of each SKP kegiatan (`monthly_targets_set`): the month target recap measures against
# (never the yearly target / 12). `revision` is des's publication counter for the document; the highest wins.
monthly_targets = sa.Table(
    "monthly_targets", metadata,
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("kegiatan_id", sa.Text, primary_key=True),
    sa.Column("period_key", sa.Text, primary_key=True),  # YYYY-MM, as the month counters' key
    sa.Column("nip", sa.Text, nullable=False),
    sa.Column("kuantitas", Q, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Index("monthly_targets_nip", "nip", "period_key"),
)

# Non-working days set by admin_bkn (national: instansi_id '') or admin_instansi (regional: its instansi).
holidays = sa.Table(
    "holidays", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True, server_default=""),
    sa.Column("tanggal", sa.Date, primary_key=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("set_by", sa.Text),
    sa.Column("set_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Index("holidays_tanggal", "tanggal"),
)

# Achievement % per employee and month / year, maintained in the same transaction as the kegiatan counters and the
# SKP targets it derives from (recap.adapters.achievement_sql); NULL-free: no row means "no target".
employee_achievement = sa.Table(
    "employee_achievement", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("period_key", sa.Text, primary_key=True),
    sa.Column("achievement", sa.Numeric, nullable=False),
)

# A closed month of an instansi (CloseMonth), and the recap rows as they were at the close.
month_closes = sa.Table(
    "month_closes", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("bulan", sa.Integer, primary_key=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("closed_by", sa.Text, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
)

month_snapshot_rows = sa.Table(
    "month_snapshot_rows", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("bulan", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Text, primary_key=True),
    sa.Column("nama", sa.Text),
    *_counter_columns(),
    sa.Column("oldest_pending_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("achievement", sa.Numeric),
    sa.Index("month_snapshot_rows_unit", "instansi_id", "tahun", "bulan", "unit_id"),
)

# Emptied and refilled by a rebuild; not the event log, inbox, outbox, holidays or month snapshots (those are
# recap's own records, not projections of other services' events).
PROJECTION_TABLES = (activities, plans, employee_counters, kegiatan_counters, employees, status_spans, assignments,
                     positions, units, skps, skp_kegiatan, skp_scores, monthly_quality, monthly_targets,
                     employee_achievement, evaluasi_periodik)
