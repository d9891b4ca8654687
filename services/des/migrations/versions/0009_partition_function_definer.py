"""The monthly partition function runs with its owner's rights: des connects as a login role that owns nothing
(scripts/db_roles.py), and only the owner of `activities` may attach a partition to it.

SECURITY DEFINER with a fixed search_path, so a caller cannot make it resolve names in a schema of its own.

Revision ID: 0009_partition_function_definer
Revises: 0008_outbox_trace_context
"""
from alembic import op

revision = "0009_partition_function_definer"
down_revision = "0008_outbox_trace_context"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER FUNCTION des_ensure_activity_partition(date) SECURITY DEFINER SET search_path = public")


def downgrade():
    op.execute("ALTER FUNCTION des_ensure_activity_partition(date) SECURITY INVOKER RESET search_path")
