"""Index on jabatan.parent_id: the recursive CTE that loads the subtree below a position walks it downwards.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("jabatan_parent", "jabatan", ["parent_id"])


def downgrade():
    op.drop_index("jabatan_parent", table_name="jabatan")
