"""des's monthly targets (`monthly_targets_set`): recap's month percentages use them, never yearly / 12.

Revision ID: 0004_monthly_targets
Revises: 0003
"""
revision = "0004_monthly_targets"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    """CREATE TABLE monthly_targets (
        skp_id TEXT NOT NULL,
        kegiatan_id TEXT NOT NULL,
        period_key TEXT NOT NULL,
        nip TEXT NOT NULL,
        kuantitas NUMERIC(18, 4) NOT NULL,
        revision BIGINT NOT NULL,
        PRIMARY KEY (skp_id, kegiatan_id, period_key)
    )""",
    "CREATE INDEX monthly_targets_nip ON monthly_targets (nip, period_key)",
)


def upgrade():
    from alembic import op

    from recap.adapters import achievement_sql
    for ddl in TABLES:
        op.execute(ddl)
    # month percentages now wait for des's split: the yearly / 12 values kept so far are recomputed away
    achievement_sql.recompute_all(op.get_bind())


def downgrade():
    from alembic import op
    op.drop_table("monthly_targets")
