"""PermenPANRB 6/2022 periodic evaluations (skp's `evaluasi_rated`): ratings, predikat, angka kredit and the
realisation per IKI of each employee and period, for the employee recap.

Revision ID: 0008_evaluasi_periodik
Revises: 0007_outbox_trace_context
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008_evaluasi_periodik"
down_revision = "0007_outbox_trace_context"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluasi_periodik",
        sa.Column("skp_id", sa.Text, primary_key=True),
        sa.Column("periode", sa.Text, primary_key=True),
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
    )
    op.create_index("evaluasi_periodik_nip", "evaluasi_periodik", ["nip", "period_start"])


def downgrade():
    op.drop_table("evaluasi_periodik")
