"""Platform tables: outbox, inbox, idempotency keys.

Revision ID: 0001
Revises:
"""
from ekinerja_platform.db import create_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(op=None):
    from alembic import op as alembic_op
    create_platform_tables(op or alembic_op)


def downgrade():
    from alembic import op
    for table in ("idempotency_keys", "inbox", "outbox"):
        op.drop_table(table)
