"""The outbox's trace context: the W3C traceparent of the call that wrote an event, which the relay sends on as an
AMQP header (ekinerja_platform/tracing.py). NULL while tracing is off; nothing is rewritten.

Made by the shared platform chain, which this revision depends on.

Revision ID: 0005_outbox_trace_context
Revises: 0004_retention_brin
"""
revision = "0005_outbox_trace_context"
down_revision = "0004_retention_brin"
branch_labels = None
depends_on = "platform_0003_trace_context"


def upgrade():
    pass  # the column is the platform chain's (platform_0003_trace_context)


def downgrade():
    pass
