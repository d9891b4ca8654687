"""des's monthly targets (`monthly_targets_set`): recap's month percentages use them, never yearly / 12.

Revision ID: 0004_monthly_targets
Revises: 0003
"""
revision = "0004_monthly_targets"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    from recap.adapters import achievement_sql
    from recap.adapters import tables as t

    bind = op.get_bind()
    t.monthly_targets.create(bind, checkfirst=True)  # 0002 already made it on a fresh database
    # month percentages now wait for des's split: the yearly / 12 values kept so far are recomputed away
    achievement_sql.recompute_all(bind)


def downgrade():
    from alembic import op

    from recap.adapters import tables as t
    t.monthly_targets.drop(op.get_bind(), checkfirst=True)
