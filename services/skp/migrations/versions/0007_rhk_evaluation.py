"""PermenPANRB 6/2022 SKP (issue 22 items 2, 3, 5): the plan (RHK, IKI, BerAKHLAK ekspektasi, lampiran), periodic
evaluations with predikat and angka kredit, continuous feedback; the jenjang of each position (angka kredit).
Idempotent: on a new database the tables may already exist.

Revision ID: 0007_rhk_evaluation
Revises: 0006_outbox_trace_context
"""
revision = "0007_rhk_evaluation"
down_revision = "0006_outbox_trace_context"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    from skp.adapters import rhk_tables

    op.execute("ALTER TABLE positions ADD COLUMN IF NOT EXISTS jenjang text")
    rhk_tables.metadata.create_all(op.get_bind(), tables=list(rhk_tables.TABLES), checkfirst=True)


def downgrade():
    from alembic import op

    for table in ("skp622_feedback", "skp622_evaluations", "skp622_plans"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("ALTER TABLE positions DROP COLUMN IF EXISTS jenjang")
