"""BRIN indexes on the time columns retention purges by (outbox, inbox, idempotency keys):
tiny, and the rows are appended in time order (see ekinerja_platform/retention.py).

Revision ID: 0004_retention_brin
Revises: 0003
"""
from alembic import op

from ekinerja_platform.retention import PLATFORM_TIME_INDEXES, create_time_indexes, drop_time_indexes

revision = "0004_retention_brin"
down_revision = "0003"
branch_labels = None
depends_on = None
INDEXES = PLATFORM_TIME_INDEXES


def upgrade():
    create_time_indexes(op, INDEXES)


def downgrade():
    drop_time_indexes(op, INDEXES)
