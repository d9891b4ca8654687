"""The outbox's trace context: the W3C traceparent of the call that wrote an event, which the relay sends on as an
AMQP header (ekinerja_platform/tracing.py). NULL while tracing is off; nothing is rewritten.

Revision ID: 0008_outbox_trace_context
Revises: 0007_review_backlog_index
"""
from alembic import op

revision = "0008_outbox_trace_context"
down_revision = "0007_review_backlog_index"
branch_labels = None
depends_on = None


def upgrade():
    # 0001 creates the platform tables from today's metadata, which has the column: it may exist already
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS trace_context text")


def downgrade():
    op.execute("ALTER TABLE outbox DROP COLUMN IF EXISTS trace_context")
