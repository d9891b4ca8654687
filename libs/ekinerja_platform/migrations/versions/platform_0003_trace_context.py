"""The outbox's trace context: the W3C traceparent of the call that wrote an event, which the relay sends on as an
AMQP header (ekinerja_platform/tracing.py). NULL while tracing is off; nothing is rewritten.

Revision ID: platform_0003_trace_context
Revises: platform_0002_retention_brin
"""
from alembic import op

revision = "platform_0003_trace_context"
down_revision = "platform_0002_retention_brin"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE outbox ADD COLUMN trace_context text")


def downgrade():
    op.execute("ALTER TABLE outbox DROP COLUMN trace_context")
