"""BRIN indexes on the time columns retention purges by (outbox, inbox, idempotency keys, login failures):
tiny, and the rows are appended in time order (see ekinerja_platform/retention.py).

Revision ID: 0006_retention_brin
Revises: 0005_jenis_jabatan
"""
from alembic import op

from ekinerja_platform.retention import PLATFORM_TIME_INDEXES, create_time_indexes, drop_time_indexes

revision = "0006_retention_brin"
down_revision = "0005_jenis_jabatan"
branch_labels = None
depends_on = None
INDEXES = PLATFORM_TIME_INDEXES + (("login_failure", "at"),)


def upgrade():
    create_time_indexes(op, INDEXES)


def downgrade():
    drop_time_indexes(op, INDEXES)
