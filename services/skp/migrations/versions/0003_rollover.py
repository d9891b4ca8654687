"""Assignments keep their latest state (for the yearly rollover); one document per employee, jabatan and period
start.

Revision ID: 0003
Revises: 0002
"""
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    for ddl in (
        "ALTER TABLE assignments ADD COLUMN acting boolean NOT NULL DEFAULT false",
        "ALTER TABLE assignments ADD COLUMN jabatan_id text",
        "ALTER TABLE assignments ADD COLUMN start_date date",
        "ALTER TABLE assignments ADD COLUMN end_date date",
        "ALTER TABLE assignments ADD COLUMN data jsonb",
        "CREATE INDEX assignments_open ON assignments (start_date) "
        "WHERE jabatan_id IS NOT NULL AND NOT acting",
        "CREATE UNIQUE INDEX skp_documents_nip_jabatan_period "
        "ON skp_documents (nip, jabatan_id, period_start)",
        # Assignments seen before this revision: their state is rebuilt from their latest document, when that
        # document still runs to the end of its year (not closed by a move or an end): the rollover continues them.
        """UPDATE assignments a SET jabatan_id = d.jabatan_id, start_date = d.period_start, data = jsonb_build_object(
               'assignment_id', a.assignment_id, 'nip', d.nip, 'instansi_id', d.instansi_id, 'acting', false,
               'penilai_nip', d.penilai_nip, 'atasan_penilai_nip', d.atasan_penilai_nip,
               'new', jsonb_build_object('jabatan_id', d.jabatan_id, 'jabatan_nama', d.jabatan_nama,
                                         'unit_id', d.unit_id, 'unit_nama', d.unit_nama, 'kind', d.kind,
                                         'job_group', d.job_group, 'start', d.period_start, 'end', NULL))
           FROM (SELECT DISTINCT ON (assignment_id) * FROM skp_documents
                 ORDER BY assignment_id, period_start DESC) d
           WHERE d.assignment_id = a.assignment_id AND a.data IS NULL
             AND d.closed_reason IS DISTINCT FROM 'moved'
             AND d.period_end = make_date(extract(year FROM d.period_start)::int, 12, 31)""",
    ):
        op.execute(ddl)


def downgrade():
    from alembic import op

    op.execute("DROP INDEX skp_documents_nip_jabatan_period")
    op.execute("DROP INDEX assignments_open")
    for column in ("data", "end_date", "start_date", "jabatan_id", "acting"):
        op.execute(f"ALTER TABLE assignments DROP COLUMN {column}")
