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


def upgrade():
    # 0002 creates the tables from today's metadata, which has this one: create it only where it is missing
    from recap.adapters.tables import evaluasi_periodik
    evaluasi_periodik.create(op.get_bind(), checkfirst=True)


def downgrade():
    op.execute("DROP TABLE IF EXISTS evaluasi_periodik")
