"""Recap projections and the event log.

Revision ID: 0002
Revises: 0001
"""
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    from recap.adapters.tables import metadata
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade():
    from alembic import op

    from recap.adapters.tables import metadata
    metadata.drop_all(op.get_bind())
