"""The skp database: one MetaData with positions and templates, employees, SKP documents with their kegiatan,
realisation fed by DES events, tugas tambahan, and the audit trail. Decimals are NUMERIC (exact)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
NUM = sa.Numeric(30, 12)

positions = sa.Table(
    "positions", metadata,
    sa.Column("jabatan_id", sa.Text, primary_key=True),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("unit_nama", sa.Text),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("job_group", sa.Text, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("jenis_jabatan", sa.Text),  # identity's, else inferred (domain/catalogue.py:infer_jenis)
    sa.Column("jenjang", sa.Text),  # identity's, as written ("Ahli Muda"): angka kredit under 6/2022
)

# Before versioning (migration 0004_position_templates copied them into template_versions): read by nothing now.
templates = sa.Table(
    "templates", metadata,
    sa.Column("jabatan_id", sa.Text, primary_key=True),
    sa.Column("catalogue", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

template_kegiatan = sa.Table(
    "template_kegiatan", metadata,
    sa.Column("jabatan_id", sa.Text, sa.ForeignKey("templates.jabatan_id"), primary_key=True),
    sa.Column("nomor", sa.Integer, primary_key=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("satuan", sa.Text, nullable=False),
    sa.Column("kuantitas", NUM, nullable=False),
    sa.Column("kualitas", NUM, nullable=False),
    sa.Column("waktu", NUM, nullable=False),
    sa.Column("biaya", NUM),
    sa.Column("angka_kredit", NUM),
)

# A position's template, versioned: a version is never changed, the highest is the current one (what a new holder's
# document is drafted from). The row is also the audit record of the change: who, when, why, from what.
template_versions = sa.Table(
    "template_versions", metadata,
    sa.Column("jabatan_id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # catalogue:<jenis> | edit | skp:<skp_id> | starter:<name>
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("kegiatan", JSONB, nullable=False),  # [{nama, satuan, kuantitas, kualitas, waktu, biaya, angka_kredit}]
    # PermenPANRB 6/2022 positions (migration 0009): the RHK with their IKI a 6/2022 document starts from
    sa.Column("pendekatan", sa.Text),  # kuantitatif | kualitatif; null: no RHK
    sa.Column("rhk", JSONB),  # [{rhk_id, nomor, jenis, uraian, sasaran_organisasi, perspektif, iki: [...]}]
)

employees = sa.Table(
    "employees", metadata,
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("instansi_id", sa.Text),
    sa.Column("golongan", sa.Text),
)

assignments = sa.Table(
    "assignments", metadata,
    sa.Column("assignment_id", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    # the latest state seen (identity's assignment_changed), so a new year's document can be drafted without a
    # new event (the yearly rollover): jabatan_id is null once the assignment ended
    sa.Column("acting", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("jabatan_id", sa.Text),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    sa.Column("data", JSONB),  # the event's data: instansi, the new position, penilai and atasan penilai
    sa.Index("assignments_open", "start_date", postgresql_where=sa.text("jabatan_id IS NOT NULL AND NOT acting")),
    sa.Index("assignments_jabatan", "jabatan_id", postgresql_where=sa.text("NOT acting")),  # a position's penilai
)

documents = sa.Table(
    "skp_documents", metadata,
    sa.Column("skp_id", sa.Uuid, primary_key=True),
    sa.Column("nip", sa.Text, nullable=False),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("unit_nama", sa.Text),
    sa.Column("jabatan_id", sa.Text, nullable=False),
    sa.Column("jabatan_nama", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("job_group", sa.Text, nullable=False),
    sa.Column("assignment_id", sa.Text, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("penilai_nip", sa.Text),
    sa.Column("atasan_penilai_nip", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("ruleset", sa.Text, nullable=False),
    sa.Column("return_note", sa.Text, nullable=False, server_default=""),
    sa.Column("dispute_note", sa.Text, nullable=False, server_default=""),
    sa.Column("approved_targets", JSONB),  # the targets in force: [{kegiatan_id, nomor, nama, satuan, ...}]
    sa.Column("approved_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("kreativitas_level", sa.Text),
    sa.Column("kreativitas_uraian", sa.Text, nullable=False, server_default=""),
    sa.Column("kreativitas_bukti", sa.Text, nullable=False, server_default=""),
    sa.Column("perilaku", JSONB),
    sa.Column("result_status", sa.Text, nullable=False, server_default=""),
    sa.Column("result", JSONB),
    sa.Column("issued_on", sa.Date),
    sa.Column("keberatan_deadline", sa.Date),
    sa.Column("keberatan_alasan", sa.Text, nullable=False, server_default=""),
    sa.Column("keberatan_catatan", sa.Text, nullable=False, server_default=""),
    sa.Column("closed_reason", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("assignment_id", "period_start", name="skp_documents_assignment_period"),
    # one document per employee, position and period start, whoever drafts it (an event, the yearly rollover on
    # several replicas): a second insert does nothing
    sa.Index("skp_documents_nip_jabatan_period", "nip", "jabatan_id", "period_start", unique=True),
    sa.Index("skp_documents_nip", "nip", "period_start"),
    sa.Index("skp_documents_penilai", "penilai_nip"),
    sa.Index("skp_documents_atasan", "atasan_penilai_nip"),
    sa.Index("skp_documents_result_open", "keberatan_deadline", postgresql_where=sa.text("result_status = 'issued'")),
)

kegiatan = sa.Table(
    "skp_kegiatan", metadata,
    sa.Column("kegiatan_id", sa.Uuid, primary_key=True),
    sa.Column("skp_id", sa.Uuid, sa.ForeignKey("skp_documents.skp_id"), nullable=False, index=True),
    sa.Column("nomor", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),  # removed ones keep their history
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("satuan", sa.Text, nullable=False),
    sa.Column("kuantitas", NUM, nullable=False),
    sa.Column("kualitas", NUM, nullable=False),
    sa.Column("waktu", NUM, nullable=False),
    sa.Column("biaya", NUM),
    sa.Column("angka_kredit", NUM),
    sa.Column("realisasi_waktu", NUM),
    sa.Column("realisasi_biaya", NUM),
)

tugas_tambahan = sa.Table(
    "tugas_tambahan", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("skp_id", sa.Uuid, sa.ForeignKey("skp_documents.skp_id"), nullable=False, index=True),
    sa.Column("uraian", sa.Text, nullable=False),
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
)

activities = sa.Table(
    "realisasi_activity", metadata,
    sa.Column("activity_id", sa.Text, primary_key=True),
    sa.Column("skp_id", sa.Uuid, nullable=False),
    sa.Column("kegiatan_id", sa.Uuid),
    sa.Column("nip", sa.Text, nullable=False),
    sa.Column("tanggal", sa.Date, nullable=False),
    sa.Column("jenis", sa.Text, nullable=False),
    sa.Column("kuantitas", NUM, nullable=False),
    sa.Column("proses", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Index("realisasi_activity_kegiatan", "skp_id", "kegiatan_id"),
)

monthly_kualitas = sa.Table(
    "realisasi_kualitas", metadata,
    sa.Column("skp_id", sa.Uuid, primary_key=True),
    sa.Column("kegiatan_id", sa.Uuid, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("bulan", sa.Integer, primary_key=True),
    sa.Column("kualitas", NUM, nullable=False),
)

audit = sa.Table(
    "skp_audit", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("skp_id", sa.Uuid, nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("detail", JSONB, nullable=False),
)

# --- issue 22: the ruleset per instansi and year, the organisation's predikat per period, the employees' predikat --
# (migration 0008_ruleset_setting). Settings keep the current value; every change is a row of setting_audit.

ruleset_settings = sa.Table(
    "ruleset_settings", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("ruleset", sa.Text, nullable=False),  # pp46-2011 | permenpanrb-6-2022
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# The organisation's predikat kinerja for a period, set by the PyB: it picks the distribution curve (6/2022 §4).
predikat_organisasi = sa.Table(
    "predikat_organisasi", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("periode", sa.Text, primary_key=True),  # 2025 | 2025-Q1 | 2025-01 (domain/ruleset_setting.py)
    sa.Column("predikat", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# Who changed which setting, when, from what to what and why.
setting_audit = sa.Table(
    "setting_audit", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("setting", sa.Text, nullable=False),  # ruleset | predikat_organisasi
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),  # the tahun or the periode
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("old_value", sa.Text),  # null: first set
    sa.Column("new_value", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index("setting_audit_key", "setting", "instansi_id", "key"),
)

# The predikat of each employee of an instansi in a period (6/2022): written when an evaluation is finalised
# (adapters/predikat_repository.py), read by the distribution curve check.
employee_predikat = sa.Table(
    "employee_predikat", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("periode", sa.Text, primary_key=True),
    sa.Column("nip", sa.Text, primary_key=True),
    sa.Column("unit_id", sa.Text),
    sa.Column("predikat", sa.Text, nullable=False),  # sangat_baik | baik | butuh_perbaikan | kurang | sangat_kurang
    sa.Column("source", sa.Text, nullable=False),  # what finalised it, e.g. evaluation:<id>
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


# The PyB's finalisation of an instansi's period (6/2022 §4, migration 0009): before it the period's results are not
# final. The spread, the broken rules finalised over and the written reason are kept as they were at that moment.
distribusi_final = sa.Table(
    "distribusi_final", metadata,
    sa.Column("instansi_id", sa.Text, primary_key=True),
    sa.Column("periode", sa.Text, primary_key=True),
    sa.Column("predikat_organisasi", sa.Text, nullable=False),
    sa.Column("jumlah", JSONB, nullable=False),  # predikat -> count at finalisation
    sa.Column("pelanggaran", JSONB, nullable=False, server_default="[]"),  # [{aturan, pesan}] finalised over
    sa.Column("alasan_pengecualian", sa.Text),
    sa.Column("finalised_by", sa.Text, nullable=False),
    sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
