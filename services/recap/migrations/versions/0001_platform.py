"""Platform tables: outbox, inbox, idempotency keys. Made by the shared platform chain
(libs/ekinerja_platform/migrations), which this revision depends on; a database migrated before that chain existed
already has them and counts the platform revision as applied.

Revision ID: 0001
Revises:
"""
revision = "0001"
down_revision = None
branch_labels = None
depends_on = "platform_0001_tables"


def upgrade():
    pass


def downgrade():
    pass
