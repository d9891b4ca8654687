"""Tables of the PermenPANRB 6/2022 SKP (migration 0007): the plan of a document (RHK with IKI, as JSONB with
stable ids, and its approved snapshot), periodic evaluations with the realisation per IKI, and continuous feedback.
They hang off ``skp_documents`` (one document, one status and version, whichever ruleset it was made under)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from .tables import metadata

plans = sa.Table(
    "skp622_plans", metadata,
    sa.Column("skp_id", sa.Uuid, sa.ForeignKey("skp_documents.skp_id"), primary_key=True),
    sa.Column("pendekatan", sa.Text, nullable=False, server_default="kuantitatif"),
    sa.Column("rhk", JSONB, nullable=False, server_default="[]"),  # the working plan: [{rhk_id, ..., iki: [...]}]
    sa.Column("approved_rhk", JSONB),  # the plan in force once approved (realisation and feedback refer to it)
    sa.Column("approved_pendekatan", sa.Text),
    sa.Column("ekspektasi", JSONB, nullable=False, server_default="{}"),  # BerAKHLAK code -> ekspektasi pimpinan
    sa.Column("lampiran", JSONB, nullable=False, server_default="{}"),
)

evaluations = sa.Table(
    "skp622_evaluations", metadata,
    sa.Column("skp_id", sa.Uuid, sa.ForeignKey("skp_documents.skp_id"), primary_key=True),
    sa.Column("periode", sa.Text, primary_key=True),  # 2024-03 | 2024-Q1 | 2024
    sa.Column("jenis_periode", sa.Text, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("bulan", sa.Integer, nullable=False),  # months of the period the document covers
    sa.Column("nip", sa.Text, nullable=False),
    sa.Column("instansi_id", sa.Text, nullable=False),
    sa.Column("unit_id", sa.Text),
    sa.Column("realisasi", JSONB, nullable=False, server_default="{}"),  # iki_id -> {realisasi, uraian, bukti}
    sa.Column("hasil_kerja", sa.Text),
    sa.Column("perilaku", sa.Text),
    sa.Column("predikat", sa.Text),
    sa.Column("jenjang", sa.Text),
    sa.Column("angka_kredit", sa.Numeric(12, 3)),  # §5, computed by ekinerja_rules, stored with the result
    sa.Column("catatan", sa.Text, nullable=False, server_default=""),
    sa.Column("rated_by", sa.Text),
    sa.Column("rated_at", sa.DateTime(timezone=True)),
    # the curve (§4) reads the predikat of an organisation's employees in a period
    sa.Index("skp622_evaluations_instansi_periode", "instansi_id", "periode",
             postgresql_where=sa.text("predikat IS NOT NULL")),
)

feedback = sa.Table(
    "skp622_feedback", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("skp_id", sa.Uuid, sa.ForeignKey("skp_documents.skp_id"), nullable=False),
    sa.Column("periode", sa.Text, nullable=False),
    sa.Column("rhk_id", sa.Text),
    sa.Column("perilaku", sa.Text),  # a BerAKHLAK code
    sa.Column("catatan", sa.Text, nullable=False),
    sa.Column("penilai_nip", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("skp622_feedback_skp_periode", "skp_id", "periode"),
)

TABLES = (plans, evaluations, feedback)
