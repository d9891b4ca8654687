"""The partial index behind the review backlog gauge (`ekinerja_des_review_backlog`, des/metrics.py): entries
awaiting review by submission time and agency.

Revision ID: 0007_review_backlog_index
Revises: 0006_supervisor_month
"""
from alembic import op

revision = "0007_review_backlog_index"
down_revision = "0006_supervisor_month"
branch_labels = None
depends_on = None


def upgrade():
    # on the partitioned table it is created on every partition
    op.execute("CREATE INDEX activities_review_backlog ON activities (submitted_at, instansi_id) "
               "WHERE state IN ('submitted', 'resubmitted')")


def downgrade():
    op.execute("DROP INDEX activities_review_backlog")
