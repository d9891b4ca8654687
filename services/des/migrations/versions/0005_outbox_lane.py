"""Outbox lanes: a bulk import's events (lane 1) are relayed beside, never ahead of, everybody else's (lane 0).

Revision ID: 0005_outbox_lane
Revises: 0004_retention_brin
"""
from alembic import op

revision = "0005_outbox_lane"
down_revision = "0004_retention_brin"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE outbox ADD COLUMN lane smallint NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX outbox_unsent_lane ON outbox (lane, id) WHERE sent_at IS NULL")


def downgrade():
    op.execute("DROP INDEX outbox_unsent_lane")
    op.execute("ALTER TABLE outbox DROP COLUMN lane")
