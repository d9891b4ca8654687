"""des tables: SKP copies, monthly targets, plans, month-partitioned activities, locks, evidence, audit trail.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    from des.adapters.tables import PARTITION_FUNCTION, metadata
    bind = op.get_bind()
    metadata.create_all(bind)
    bind.execute(sa.text(PARTITION_FUNCTION))
    # partitions for two years back and one ahead; later months are created on first use
    bind.execute(sa.text(
        "SELECT des_ensure_activity_partition(m::date) FROM generate_series("
        "date_trunc('month', now()) - interval '24 months', date_trunc('month', now()) + interval '12 months', "
        "interval '1 month') AS m"))


def downgrade():
    from alembic import op

    from des.adapters.tables import metadata
    bind = op.get_bind()
    metadata.drop_all(bind)
    bind.execute(sa.text("DROP FUNCTION IF EXISTS des_ensure_activity_partition(date)"))
