"""The employee's name on des's copy (the penilai's review queue shows who reported) and the heads up the chain
(who may read the employee's work).

Revision ID: 0006_supervisor_month
Revises: 0005_outbox_lane
"""
from alembic import op

revision = "0006_supervisor_month"
down_revision = "0005_outbox_lane"
branch_labels = None
depends_on = None


def upgrade():
    # 0002 creates today's tables with metadata.create_all, so the column may exist already
    op.execute("ALTER TABLE employees ADD COLUMN IF NOT EXISTS nama text")
    op.execute("ALTER TABLE employees ADD COLUMN IF NOT EXISTS heads text[]")


def downgrade():
    op.execute("ALTER TABLE employees DROP COLUMN IF EXISTS heads")
    op.execute("ALTER TABLE employees DROP COLUMN IF EXISTS nama")
