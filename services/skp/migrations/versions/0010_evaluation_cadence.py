"""Issue 22: the periodic-evaluation cadence (``bulanan`` | ``triwulanan``) an instansi uses in a year. A new table
next to ``ruleset_settings``; its changes are audited in ``setting_audit`` (setting ``siklus_evaluasi``). Without a
row the default ``triwulanan`` applies (skp/domain/ruleset_setting.py:DEFAULT_SIKLUS). Explicit DDL.

Revision ID: 0010_evaluation_cadence
Revises: 0009_template_rhk_final
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_evaluation_cadence"
down_revision = "0009_template_rhk_final"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_cadence",
        sa.Column("instansi_id", sa.Text, primary_key=True),
        sa.Column("tahun", sa.Integer, primary_key=True),
        sa.Column("siklus", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("evaluation_cadence")
