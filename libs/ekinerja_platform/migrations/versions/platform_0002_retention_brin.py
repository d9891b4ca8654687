"""BRIN indexes on the time columns retention purges by (outbox, inbox, idempotency keys): tiny, and the rows are
appended in time order (see ekinerja_platform/retention.py).

Revision ID: platform_0002_retention_brin
Revises: platform_0001_tables
"""
from alembic import op

revision = "platform_0002_retention_brin"
down_revision = "platform_0001_tables"
branch_labels = None
depends_on = None

INDEXES = (("outbox", "created_at"), ("inbox", "processed_at"), ("idempotency_keys", "created_at"))


def upgrade():
    for table, column in INDEXES:
        op.execute(f"CREATE INDEX {table}_{column}_brin ON {table} USING brin ({column})")


def downgrade():
    for table, column in INDEXES:
        op.execute(f"DROP INDEX {table}_{column}_brin")
