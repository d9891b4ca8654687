"""PermenPANRB 6/2022 periodic evaluations (skp's `evaluasi_rated`): ratings, predikat, angka kredit and the
realisation per IKI of each employee and period, for the employee recap.

Revision ID: 0008_evaluasi_periodik
Revises: 0007_outbox_trace_context
"""
from alembic import op

revision = "0008_evaluasi_periodik"
down_revision = "0007_outbox_trace_context"
branch_labels = None
depends_on = None


TABLES = (
    """CREATE TABLE evaluasi_periodik (
        skp_id TEXT NOT NULL,
        periode TEXT NOT NULL,
        nip TEXT NOT NULL,
        instansi_id TEXT,
        unit_id TEXT,
        jenis_periode TEXT NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        bulan INTEGER NOT NULL,
        penilai_nip TEXT,
        hasil_kerja TEXT NOT NULL,
        perilaku TEXT NOT NULL,
        predikat TEXT NOT NULL,
        kode_predikat INTEGER NOT NULL,
        jenjang TEXT,
        angka_kredit NUMERIC(12, 3),
        realisasi JSONB DEFAULT '[]' NOT NULL,
        occurred_at TEXT,
        PRIMARY KEY (skp_id, periode)
    )""",
    "CREATE INDEX evaluasi_periodik_nip ON evaluasi_periodik (nip, period_start)",
)


def upgrade():
    for ddl in TABLES:
        op.execute(ddl)


def downgrade():
    op.drop_table("evaluasi_periodik")
