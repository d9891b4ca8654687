"""Maintained achievement per employee-month/year, month closes with snapshots, national/regional holidays.

Revision ID: 0003
Revises: 0002
"""
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    """CREATE TABLE employee_achievement (
        nip TEXT NOT NULL,
        kind TEXT NOT NULL,
        period_key TEXT NOT NULL,
        achievement NUMERIC NOT NULL,
        PRIMARY KEY (nip, kind, period_key)
    )""",
    """CREATE TABLE month_closes (
        instansi_id TEXT NOT NULL,
        tahun INTEGER NOT NULL,
        bulan INTEGER NOT NULL,
        closed_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        closed_by TEXT NOT NULL,
        event_id UUID NOT NULL,
        PRIMARY KEY (instansi_id, tahun, bulan)
    )""",
    """CREATE TABLE month_snapshot_rows (
        nip TEXT NOT NULL,
        instansi_id TEXT NOT NULL,
        tahun INTEGER NOT NULL,
        bulan INTEGER NOT NULL,
        unit_id TEXT NOT NULL,
        nama TEXT,
        plans INTEGER DEFAULT '0' NOT NULL,
        planned_qty NUMERIC(18, 4) DEFAULT '0' NOT NULL,
        reported INTEGER DEFAULT '0' NOT NULL,
        reported_qty NUMERIC(18, 4) DEFAULT '0' NOT NULL,
        reported_minutes BIGINT DEFAULT '0' NOT NULL,
        approved INTEGER DEFAULT '0' NOT NULL,
        recognised_qty NUMERIC(18, 4) DEFAULT '0' NOT NULL,
        recognised_qty_final NUMERIC(18, 4) DEFAULT '0' NOT NULL,
        approved_minutes BIGINT DEFAULT '0' NOT NULL,
        pending INTEGER DEFAULT '0' NOT NULL,
        revisions INTEGER DEFAULT '0' NOT NULL,
        oldest_pending_days INTEGER DEFAULT '0' NOT NULL,
        achievement NUMERIC,
        PRIMARY KEY (nip, instansi_id, tahun, bulan, unit_id)
    )""",
    "CREATE INDEX month_snapshot_rows_unit ON month_snapshot_rows (instansi_id, tahun, bulan, unit_id)",
)


def upgrade():
    from alembic import op
    op.execute("ALTER TABLE holidays ADD COLUMN instansi_id text NOT NULL DEFAULT '', "
               "ADD COLUMN set_by text, ADD COLUMN set_at timestamptz DEFAULT now()")
    op.execute("ALTER TABLE holidays DROP CONSTRAINT holidays_pkey, ADD PRIMARY KEY (instansi_id, tanggal)")
    op.execute("CREATE INDEX holidays_tanggal ON holidays (tanggal)")
    for ddl in TABLES:
        op.execute(ddl)
    # employee_achievement is filled by 0004's recompute (today's recompute reads 0004's monthly_targets)


def downgrade():
    from alembic import op
    for table in ("month_snapshot_rows", "month_closes", "employee_achievement"):
        op.drop_table(table)
    op.execute("DROP INDEX holidays_tanggal")
    op.execute("ALTER TABLE holidays DROP CONSTRAINT holidays_pkey, DROP COLUMN instansi_id, DROP COLUMN set_by, "
               "DROP COLUMN set_at, ADD PRIMARY KEY (tanggal)")
