"""BRIN indexes on the time columns retention purges by: login failures here; outbox, inbox and idempotency keys
in the shared platform chain, which this revision depends on. Tiny, and the rows are appended in time order (see
ekinerja_platform/retention.py).

Revision ID: 0006_retention_brin
Revises: 0005_jenis_jabatan
"""
from alembic import op

revision = "0006_retention_brin"
down_revision = "0005_jenis_jabatan"
branch_labels = None
depends_on = "platform_0002_retention_brin"


def upgrade():
    op.execute("CREATE INDEX login_failure_at_brin ON login_failure USING brin (at)")


def downgrade():
    op.execute("DROP INDEX login_failure_at_brin")
