"""Versioned position templates (template_versions) and the jenis jabatan of each position. The templates made
before versioning (one per position, from the job-group catalogue) become each position's version 1.

Revision ID: 0004_position_templates
Revises: 0003
"""
revision = "0004_position_templates"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    for ddl in (
        "ALTER TABLE positions ADD COLUMN jenis_jabatan text",
        # who the penilai of a position is (templates' authorisation) is read from its holders' assignments
        "CREATE INDEX assignments_jabatan ON assignments (jabatan_id) WHERE NOT acting",
        """CREATE TABLE template_versions (
               jabatan_id text NOT NULL, version integer NOT NULL, instansi_id text NOT NULL, source text NOT NULL,
               reason text NOT NULL, author text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
               kegiatan jsonb NOT NULL, PRIMARY KEY (jabatan_id, version))""",
        """INSERT INTO template_versions (jabatan_id, version, instansi_id, source, reason, author, created_at,
                                          kegiatan)
           SELECT t.jabatan_id, 1, coalesce(p.instansi_id, ''), 'starter:' || t.catalogue,
                  'made from the job-group catalogue before templates were versioned', 'system', t.created_at,
                  coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'nama', k.nama, 'satuan', k.satuan, 'kuantitas', k.kuantitas::text,
                                'kualitas', k.kualitas::text, 'waktu', k.waktu::text, 'biaya', k.biaya::text,
                                'angka_kredit', k.angka_kredit::text) ORDER BY k.nomor)
                            FROM template_kegiatan k WHERE k.jabatan_id = t.jabatan_id), '[]'::jsonb)
           FROM templates t LEFT JOIN positions p ON p.jabatan_id = t.jabatan_id
           ON CONFLICT DO NOTHING""",
    ):
        op.execute(ddl)


def downgrade():
    from alembic import op

    op.execute("DROP TABLE template_versions")
    op.execute("DROP INDEX assignments_jabatan")
    op.execute("ALTER TABLE positions DROP COLUMN jenis_jabatan")
