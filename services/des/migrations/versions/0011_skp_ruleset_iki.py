"""PermenPANRB 6/2022 documents in des: the ruleset of each SKP copy, and the RHK an IKI belongs to.

A 6/2022 plan (skp's `rencana_kinerja_approved`) is kept in `skp_kegiatan` one row per IKI (`kegiatan_id` = the
IKI id, `rhk_id` its RHK), so an activity report names the IKI it serves exactly as a PP 46 report names its
kegiatan; `ruleset` says which of the two a document is (PP 46 rows keep the default).

Revision ID: 0011_skp_ruleset_iki
Revises: 0010_activity_hash_subpartitions
"""
from alembic import op

revision = "0011_skp_ruleset_iki"
down_revision = "0010_activity_hash_subpartitions"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE skp_documents ADD COLUMN ruleset text NOT NULL DEFAULT 'pp46-2011'")
    op.execute("ALTER TABLE skp_kegiatan ADD COLUMN rhk_id text")


def downgrade():
    op.execute("ALTER TABLE skp_kegiatan DROP COLUMN rhk_id")
    op.execute("ALTER TABLE skp_documents DROP COLUMN ruleset")
