"""The heads up the chain on each assignment (identity's `heads`): a head reads the recaps of everyone below it.

Revision ID: 0006_supervisor_heads
Revises: 0005_retention_brin
"""
from alembic import op

revision = "0006_supervisor_heads"
down_revision = "0005_retention_brin"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE assignments ADD COLUMN heads text[]")
    op.execute("CREATE INDEX assignments_heads ON assignments USING gin (heads)")


def downgrade():
    op.execute("DROP INDEX assignments_heads")
    op.execute("ALTER TABLE assignments DROP COLUMN heads")
