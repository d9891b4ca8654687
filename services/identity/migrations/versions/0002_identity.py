"""identity tables: organisation, pegawai, assignments (one definitive at a time), accounts, tokens, audit.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    from identity.adapters.tables import metadata
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    metadata.create_all(op.get_bind())
    # At most one definitive assignment per person on any date, even under concurrent writers (inclusive ends).
    op.execute(
        "ALTER TABLE assignment ADD CONSTRAINT assignment_one_definitive EXCLUDE USING gist "
        "(nip WITH =, daterange(start, \"end\", '[]') WITH &&) WHERE (NOT acting)")


def downgrade():
    from identity.adapters.tables import metadata
    metadata.drop_all(op.get_bind())
