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
    op.execute("ALTER TABLE employees ADD COLUMN nama text")
    op.execute("ALTER TABLE employees ADD COLUMN heads text[]")


def downgrade():
    op.execute("ALTER TABLE employees DROP COLUMN heads")
    op.execute("ALTER TABLE employees DROP COLUMN nama")
