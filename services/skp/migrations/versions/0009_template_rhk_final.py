"""Issue 22 leftovers: RHK/IKI in position templates (two nullable columns of ``template_versions``) and the PyB's
finalisation of a period's results (``distribusi_final``). Explicit DDL; where 0002 already made them from today's
metadata (a new database) nothing is done twice.

Revision ID: 0009_template_rhk_final
Revises: 0008_ruleset_setting
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009_template_rhk_final"
down_revision = "0008_ruleset_setting"
branch_labels = None
depends_on = None


def upgrade():
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("template_versions")}
    if "pendekatan" not in columns:
        op.add_column("template_versions", sa.Column("pendekatan", sa.Text))
    if "rhk" not in columns:
        op.add_column("template_versions", sa.Column("rhk", JSONB))
    if not inspector.has_table("distribusi_final"):
        op.create_table(
            "distribusi_final",
            sa.Column("instansi_id", sa.Text, primary_key=True),
            sa.Column("periode", sa.Text, primary_key=True),
            sa.Column("predikat_organisasi", sa.Text, nullable=False),
            sa.Column("jumlah", JSONB, nullable=False),
            sa.Column("pelanggaran", JSONB, nullable=False, server_default="[]"),
            sa.Column("alasan_pengecualian", sa.Text),
            sa.Column("finalised_by", sa.Text, nullable=False),
            sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        )


def downgrade():
    op.drop_table("distribusi_final")
    op.drop_column("template_versions", "rhk")
    op.drop_column("template_versions", "pendekatan")
