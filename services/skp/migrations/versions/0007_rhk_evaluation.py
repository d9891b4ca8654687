"""PermenPANRB 6/2022 SKP (issue 22 items 2, 3, 5): the plan (RHK, IKI, BerAKHLAK ekspektasi, lampiran), periodic
evaluations with predikat and angka kredit, continuous feedback; the jenjang of each position (angka kredit).

Revision ID: 0007_rhk_evaluation
Revises: 0006_outbox_trace_context
"""
revision = "0007_rhk_evaluation"
down_revision = "0006_outbox_trace_context"
branch_labels = None
depends_on = None


TABLES = (
    """CREATE TABLE skp622_evaluations (
        skp_id UUID NOT NULL,
        periode TEXT NOT NULL,
        jenis_periode TEXT NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        bulan INTEGER NOT NULL,
        nip TEXT NOT NULL,
        instansi_id TEXT NOT NULL,
        unit_id TEXT,
        realisasi JSONB DEFAULT '{}' NOT NULL,
        hasil_kerja TEXT,
        perilaku TEXT,
        predikat TEXT,
        jenjang TEXT,
        angka_kredit NUMERIC(12, 3),
        catatan TEXT DEFAULT '' NOT NULL,
        rated_by TEXT,
        rated_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (skp_id, periode),
        FOREIGN KEY(skp_id) REFERENCES skp_documents (skp_id)
    )""",
    "CREATE INDEX skp622_evaluations_instansi_periode ON skp622_evaluations (instansi_id, periode) "
    "WHERE predikat IS NOT NULL",
    """CREATE TABLE skp622_feedback (
        id UUID NOT NULL,
        skp_id UUID NOT NULL,
        periode TEXT NOT NULL,
        rhk_id TEXT,
        perilaku TEXT,
        catatan TEXT NOT NULL,
        penilai_nip TEXT NOT NULL,
        at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(skp_id) REFERENCES skp_documents (skp_id)
    )""",
    "CREATE INDEX skp622_feedback_skp_periode ON skp622_feedback (skp_id, periode)",
    """CREATE TABLE skp622_plans (
        skp_id UUID NOT NULL,
        pendekatan TEXT DEFAULT 'kuantitatif' NOT NULL,
        rhk JSONB DEFAULT '[]' NOT NULL,
        approved_rhk JSONB,
        approved_pendekatan TEXT,
        ekspektasi JSONB DEFAULT '{}' NOT NULL,
        lampiran JSONB DEFAULT '{}' NOT NULL,
        PRIMARY KEY (skp_id),
        FOREIGN KEY(skp_id) REFERENCES skp_documents (skp_id)
    )""",
)


def upgrade():
    from alembic import op
    op.execute("ALTER TABLE positions ADD COLUMN jenjang text")
    for ddl in TABLES:
        op.execute(ddl)


def downgrade():
    from alembic import op
    for table in ("skp622_feedback", "skp622_evaluations", "skp622_plans"):
        op.drop_table(table)
    op.execute("ALTER TABLE positions DROP COLUMN jenjang")
