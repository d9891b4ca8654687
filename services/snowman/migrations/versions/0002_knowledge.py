"""Knowledge entries with versions, questions, votes and the search structures (pg_trgm, `indonesian` FTS).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    from snowman.adapters.tables import metadata
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    metadata.create_all(op.get_bind(), checkfirst=True)
    op.execute("CREATE INDEX entries_head_tsv ON entries USING gin (head_tsv)")
    op.execute("CREATE INDEX entries_body_tsv ON entries USING gin (body_tsv)")
    op.execute("CREATE INDEX entries_kelompok ON entries USING gin (kelompok)")
    op.execute("CREATE INDEX vocabulary_trgm ON vocabulary USING gin (word gin_trgm_ops)")
    op.execute("CREATE INDEX questions_normalised_trgm ON questions USING gin (normalised gin_trgm_ops)")
    op.execute("CREATE INDEX questions_open ON questions (kelompok, asked_at) WHERE status = 'open'")
    op.execute("CREATE UNIQUE INDEX entry_versions_one_published ON entry_versions (entry_id) "
               "WHERE status = 'published'")
    op.execute("CREATE INDEX postings_entry ON postings (entry_id)")
    # covering: Ask reads (entry_id, weight) per lexeme with index-only scans
    op.execute("CREATE INDEX postings_cover ON postings (lexeme) INCLUDE (entry_id, weight)")
    op.execute("INSERT INTO search_corpus (id, entries) VALUES (1, 0)")
    op.execute("CREATE INDEX entry_versions_question ON entry_versions (question_id) WHERE question_id IS NOT NULL")


def downgrade():
    for table in ("search_corpus", "postings", "lexeme_stats", "vocabulary", "votes", "questions",
                  "entry_versions", "entries"):
        op.drop_table(table)
