"""BRIN indexes on the time columns retention purges by (outbox, inbox, idempotency keys):
tiny, and the rows are appended in time order (see ekinerja_platform/retention.py).

Made by the shared platform chain, which this revision depends on.

Revision ID: 0005_retention_brin
Revises: 0004_monthly_targets
"""
revision = "0005_retention_brin"
down_revision = "0004_monthly_targets"
branch_labels = None
depends_on = "platform_0002_retention_brin"


def upgrade():
    pass  # the indexes are the platform chain's (platform_0002_retention_brin)


def downgrade():
    pass
