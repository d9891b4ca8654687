"""The monthly partition function runs with its owner's rights: des connects as a login role that owns nothing
(scripts/db_roles.py), and only the owner of `activities` may attach a partition to it.

SECURITY DEFINER with a fixed search_path, so a caller cannot make it resolve names in a schema of its own.

Revision ID: 0008_partition_function_definer
Revises: 0007_review_backlog_index
"""
from alembic import op

revision = "0008_partition_function_definer"
down_revision = "0007_review_backlog_index"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER FUNCTION des_ensure_activity_partition(date) SECURITY DEFINER SET search_path = public")


def downgrade():
    op.execute("ALTER FUNCTION des_ensure_activity_partition(date) SECURITY INVOKER RESET search_path")
