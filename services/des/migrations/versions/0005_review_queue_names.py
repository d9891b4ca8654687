"""The employee's name on des's copy (the penilai's review queue shows who reported).

Revision ID: 0005_review_queue_names
Revises: 0004_retention_brin
"""
from alembic import op

revision = "0005_review_queue_names"
down_revision = "0004_retention_brin"
branch_labels = None
depends_on = None


def upgrade():
    # 0002 creates today's tables with metadata.create_all, so the column may exist already
    op.execute("ALTER TABLE employees ADD COLUMN IF NOT EXISTS nama text")


def downgrade():
    op.execute("ALTER TABLE employees DROP COLUMN IF EXISTS nama")
