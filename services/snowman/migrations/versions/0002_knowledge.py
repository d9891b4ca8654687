"""Knowledge entries with versions, questions, votes and the search structures (pg_trgm, `indonesian` FTS).

Frozen DDL of the tables as this revision made them.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    """CREATE TABLE entries (
        id TEXT NOT NULL,
        latest_version INTEGER NOT NULL,
        published_version INTEGER,
        judul TEXT,
        pertanyaan TEXT[],
        jawaban TEXT,
        kelompok TEXT[] NOT NULL,
        rujukan TEXT,
        ruleset TEXT,
        tags TEXT[],
        head_tsv TSVECTOR,
        body_tsv TSVECTOR,
        helpful INTEGER DEFAULT '0' NOT NULL,
        not_helpful INTEGER DEFAULT '0' NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        PRIMARY KEY (id)
    )""",
    """CREATE TABLE lexeme_stats (
        lexeme TEXT NOT NULL,
        df INTEGER NOT NULL,
        PRIMARY KEY (lexeme)
    )""",
    """CREATE TABLE questions (
        id UUID NOT NULL,
        pertanyaan TEXT NOT NULL,
        normalised TEXT NOT NULL,
        kelompok TEXT NOT NULL,
        asker TEXT NOT NULL,
        status TEXT NOT NULL,
        top_entry_id TEXT,
        top_score NUMERIC(8, 4),
        entry_id TEXT,
        duplicate_of UUID,
        handled_by TEXT,
        asked_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        closed_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (id),
        CONSTRAINT questions_status CHECK (status IN ('answered', 'open', 'duplicate', 'expert_answered'))
    )""",
    """CREATE TABLE search_corpus (
        id SMALLSERIAL NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT search_corpus_singleton CHECK (id = 1)
    )""",
    """CREATE TABLE vocabulary (
        word TEXT NOT NULL,
        PRIMARY KEY (word)
    )""",
    """CREATE TABLE entry_versions (
        entry_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        judul TEXT NOT NULL,
        pertanyaan TEXT[] NOT NULL,
        jawaban TEXT NOT NULL,
        kelompok TEXT[] NOT NULL,
        rujukan TEXT NOT NULL,
        ruleset TEXT NOT NULL,
        tags TEXT[] NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,
        author TEXT NOT NULL,
        approved_by TEXT,
        question_id UUID,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        published_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (entry_id, version),
        CONSTRAINT entry_versions_status CHECK (status IN ('draft', 'published', 'superseded')),
        FOREIGN KEY(entry_id) REFERENCES entries (id)
    )""",
    """CREATE TABLE postings (
        lexeme TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        weight FLOAT NOT NULL,
        PRIMARY KEY (lexeme, entry_id),
        FOREIGN KEY(entry_id) REFERENCES entries (id)
    )""",
    """CREATE TABLE votes (
        entry_id TEXT NOT NULL,
        voter TEXT NOT NULL,
        helpful BOOLEAN NOT NULL,
        question_id UUID,
        voted_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        PRIMARY KEY (entry_id, voter),
        FOREIGN KEY(entry_id) REFERENCES entries (id)
    )""",
)


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for ddl in TABLES:
        op.execute(ddl)
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
