"""Maintained achievement per employee-month/year, month closes with snapshots, national/regional holidays.

Revision ID: 0003
Revises: 0002
"""
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    import sqlalchemy as sa
    from alembic import op

    from recap.adapters import achievement_sql
    from recap.adapters import tables as t

    bind = op.get_bind()
    # 0002 creates from the current metadata: on a fresh database the new shape is already there
    columns = {c["name"] for c in sa.inspect(bind).get_columns("holidays")}
    if "instansi_id" not in columns:
        op.execute("ALTER TABLE holidays ADD COLUMN instansi_id text NOT NULL DEFAULT '', "
                   "ADD COLUMN set_by text, ADD COLUMN set_at timestamptz DEFAULT now()")
        op.execute("ALTER TABLE holidays DROP CONSTRAINT holidays_pkey, ADD PRIMARY KEY (instansi_id, tanggal)")
        op.execute("CREATE INDEX IF NOT EXISTS holidays_tanggal ON holidays (tanggal)")
    for table in (t.employee_achievement, t.month_closes, t.month_snapshot_rows):
        table.create(bind, checkfirst=True)
    achievement_sql.recompute_all(bind)


def downgrade():
    from alembic import op

    from recap.adapters import tables as t
    for table in (t.month_snapshot_rows, t.month_closes, t.employee_achievement):
        table.drop(op.get_bind(), checkfirst=True)
    op.execute("ALTER TABLE holidays DROP CONSTRAINT holidays_pkey, DROP COLUMN instansi_id, DROP COLUMN set_by, "
               "DROP COLUMN set_at, ADD PRIMARY KEY (tanggal)")
