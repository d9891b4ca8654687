"""des's tables (one MetaData). `nip` leads every primary key so the data can later be distributed by NIP;
activities are partitioned by month (declarative RANGE partitions on `tanggal`, created ahead as needed), and each
month by hash of NIP when the database's `activity_partitioning` says so (migration 0010, docs/scale.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
NUM = sa.Numeric(16, 2)
QTY = sa.Numeric(16, 3)  # SKP kuantitas scale: yearly and monthly targets (DOMAIN §0.14)
TS = sa.DateTime(timezone=True)

employees = sa.Table(
    "employees", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("nama", sa.Text),  # from employee_registered: shown in the penilai's review queue
    sa.Column("instansi_id", sa.Text),
    sa.Column("unit_id", sa.Text),
    sa.Column("jabatan_id", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("penilai_nip", sa.Text),
    # every holder above (identity's assignment_changed `heads`): they may read, never change, this work
    sa.Column("heads", sa.ARRAY(sa.Text)),
    sa.Column("assignment_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)

skp_documents = sa.Table(
    "skp_documents", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("jabatan_id", sa.Text),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("penilai_nip", sa.Text),
    sa.Column("atasan_penilai_nip", sa.Text),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("closed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    # bumped each time the monthly split is published (`monthly_targets_set`): consumers keep the highest
    sa.Column("targets_revision", sa.BigInteger, nullable=False, server_default="0"),
    # pp46-2011 or permenpanrb-6-2022 (migration 0011): a 6/2022 document's `skp_kegiatan` rows are its IKI
    sa.Column("ruleset", sa.Text, nullable=False, server_default="pp46-2011"),
    sa.Index("skp_documents_penilai", "penilai_nip"),
)

skp_kegiatan = sa.Table(
    "skp_kegiatan", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("kegiatan_id", sa.Text, primary_key=True),
    sa.Column("nomor", sa.Integer, nullable=False),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("satuan", sa.Text, nullable=False),
    sa.Column("kuantitas", QTY, nullable=False),
    sa.Column("rhk_id", sa.Text),  # 6/2022: the RHK this IKI belongs to (null for a PP 46 kegiatan)
)

monthly_targets = sa.Table(
    "monthly_targets", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("skp_id", sa.Text, primary_key=True),
    sa.Column("kegiatan_id", sa.Text, primary_key=True),
    sa.Column("tahun", sa.SmallInteger, primary_key=True),
    sa.Column("bulan", sa.SmallInteger, primary_key=True),
    sa.Column("kuantitas", QTY, nullable=False),
    sa.Column("kualitas", NUM),
    sa.Column("updated_by", sa.Text),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)

daily_plans = sa.Table(
    "daily_plans", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("plan_id", sa.Uuid, primary_key=True),
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("skp_id", sa.Text, nullable=False),
    sa.Column("kegiatan_id", sa.Text, nullable=False),
    sa.Column("uraian", sa.Text, nullable=False),
    sa.Column("kuantitas", NUM, nullable=False),
    sa.Column("satuan", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Index("daily_plans_nip_tanggal", "nip", "tanggal"),
)

activities = sa.Table(
    "activities", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("tanggal", sa.Date, primary_key=True),
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("skp_id", sa.Text),
    sa.Column("kegiatan_id", sa.Text),
    sa.Column("jenis", sa.Text, nullable=False),
    sa.Column("uraian", sa.Text, nullable=False),
    sa.Column("kuantitas", NUM, nullable=False),
    sa.Column("satuan", sa.Text, nullable=False),
    sa.Column("menit", sa.Integer),
    sa.Column("jam_mulai", sa.Time),
    sa.Column("jam_selesai", sa.Time),
    sa.Column("proses", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("evidence_url", sa.Text),
    sa.Column("evidence_id", sa.Uuid),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("kuantitas_diakui", NUM),
    sa.Column("catatan", sa.Text),
    sa.Column("penilai_nip", sa.Text),
    sa.Column("reviewer_nip", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("submitted_at", TS),
    sa.Column("reviewed_at", TS),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("state IN ('draft','submitted','revision_requested','resubmitted','approved','locked')",
                       name="activities_state"),
    sa.Index("activities_by_id", "activity_id"),
    # the penilai's review queue: only entries waiting for review are indexed
    sa.Index("activities_review_queue", "penilai_nip", "tanggal",
             postgresql_where=sa.text("state IN ('submitted','resubmitted')")),
    # the review backlog gauge (des/metrics.py): entries waiting since before a time, counted per agency
    sa.Index("activities_review_backlog", "submitted_at", "instansi_id",
             postgresql_where=sa.text("state IN ('submitted','resubmitted')")),
    postgresql_partition_by="RANGE (tanggal)",
)

import_records = sa.Table(
    "import_records", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("record_id", sa.Text, primary_key=True),
    sa.Column("activity_id", sa.Uuid, nullable=False),
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("imported_at", TS, nullable=False, server_default=sa.func.now()),
)

period_locks = sa.Table(
    "period_locks", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("lock_id", sa.Uuid, primary_key=True),
    sa.Column("skp_id", sa.Text),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("tanggal_start", sa.Date, nullable=False),
    sa.Column("tanggal_end", sa.Date, nullable=False),
    sa.Column("locked_by", sa.Text, nullable=False),
    sa.Column("locked_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("unlocked_by", sa.Text),
    sa.Column("unlocked_at", TS),
    sa.Column("unlock_reason", sa.Text),
    sa.Index("period_locks_active", "nip", "tanggal_start", postgresql_where=sa.text("unlocked_at IS NULL")),
)

evidence_files = sa.Table(
    "evidence_files", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("evidence_id", sa.Uuid, primary_key=True),
    sa.Column("content_type", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
)

audit_trail = sa.Table(
    "audit_trail", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("audit_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("before", JSONB),
    sa.Column("after", JSONB),
    sa.Column("reason", sa.Text),
    sa.Index("audit_trail_entity", "nip", "entity_id"),
)

# agency-level settings: a small reference table (no nip)
instansi_settings = sa.Table(
    "instansi_settings", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("window_days", sa.SmallInteger, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)
