"""The jenis jabatan of a position (guru, bidan, pranata_komputer, struktural_jpt, ...): carried in
position_changed and assignment_changed so skp drafts from the starter catalogue that fits. Optional; positions
without one keep NULL (skp infers it from the name and kind).


Revision ID: 0005_jenis_jabatan
Revises: 0004_login_throttle
"""
from alembic import op

revision = "0005_jenis_jabatan"
down_revision = "0004_login_throttle"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE jabatan ADD COLUMN jenis_jabatan text")


def downgrade():
    op.execute("ALTER TABLE jabatan DROP COLUMN jenis_jabatan")
