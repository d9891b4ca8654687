"""snowman's tables (one MetaData). The search columns of `entries` are maintained by the repository on publish.

- `entries`: one row per entry with the content of its *published* version (what Ask searches) and its counters.
- `entry_versions`: every version ever written (draft, published, superseded): the history.
- `questions`: every question asked, its normalised text, job group and status (answered, open, duplicate).
- `votes`: one helpful/not-helpful vote per caller and entry.
- `vocabulary`: words of the published entries, for typo correction by trigram similarity.
- `lexeme_stats`: document frequency of each full-text lexeme over published entries (IDF in the ranking).
- `postings`: the inverted index of the published entries' `indonesian` lexemes with the weight of the best field
  they occur in (1 in judul/pertanyaan/tags, less in jawaban only): Ask reads it with index-only scans.
- `search_corpus`: the number of published entries (N of the IDF), kept exact on publish.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

metadata = sa.MetaData()
Text = sa.Text
TextArray = ARRAY(sa.Text)

entries = sa.Table(
    "entries", metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("latest_version", sa.Integer, nullable=False),
    sa.Column("published_version", sa.Integer),  # null until a version is published
    sa.Column("judul", Text),
    sa.Column("pertanyaan", TextArray),
    sa.Column("jawaban", Text),
    sa.Column("kelompok", TextArray, nullable=False),
    sa.Column("rujukan", Text),
    sa.Column("ruleset", Text),
    sa.Column("tags", TextArray),
    sa.Column("head_tsv", TSVECTOR),   # judul + pertanyaan + tags
    sa.Column("body_tsv", TSVECTOR),   # everything, jawaban included
    sa.Column("helpful", sa.Integer, nullable=False, server_default="0"),
    sa.Column("not_helpful", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("entries_head_tsv", "head_tsv", postgresql_using="gin"),
    sa.Index("entries_body_tsv", "body_tsv", postgresql_using="gin"),
    sa.Index("entries_kelompok", "kelompok", postgresql_using="gin"),
)

entry_versions = sa.Table(
    "entry_versions", metadata,
    sa.Column("entry_id", Text, sa.ForeignKey("entries.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("judul", Text, nullable=False),
    sa.Column("pertanyaan", TextArray, nullable=False),
    sa.Column("jawaban", Text, nullable=False),
    sa.Column("kelompok", TextArray, nullable=False),
    sa.Column("rujukan", Text, nullable=False),
    sa.Column("ruleset", Text, nullable=False),
    sa.Column("tags", TextArray, nullable=False),
    sa.Column("fingerprint", Text, nullable=False),
    sa.Column("status", Text, nullable=False),
    sa.Column("author", Text, nullable=False),
    sa.Column("approved_by", Text),
    sa.Column("question_id", sa.Uuid),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("published_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('draft', 'published', 'superseded')", name="entry_versions_status"),
    sa.Index("entry_versions_one_published", "entry_id", unique=True, postgresql_where=sa.text("status = 'published'")),
    sa.Index("entry_versions_question", "question_id", postgresql_where=sa.text("question_id IS NOT NULL")),
)

questions = sa.Table(
    "questions", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("pertanyaan", Text, nullable=False),
    sa.Column("normalised", Text, nullable=False),
    sa.Column("kelompok", Text, nullable=False),
    sa.Column("asker", Text, nullable=False),  # token subject; never logged
    sa.Column("status", Text, nullable=False),
    sa.Column("top_entry_id", Text),
    sa.Column("top_score", sa.Numeric(8, 4)),
    sa.Column("entry_id", Text),          # the entry that answers it (expert answer or duplicate)
    sa.Column("duplicate_of", sa.Uuid),
    sa.Column("handled_by", Text),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('answered', 'open', 'duplicate', 'expert_answered')", name="questions_status"),
    sa.Index("questions_normalised_trgm", "normalised", postgresql_using="gin",
             postgresql_ops={"normalised": "gin_trgm_ops"}),
    sa.Index("questions_open", "kelompok", "asked_at", postgresql_where=sa.text("status = 'open'")),
)

votes = sa.Table(
    "votes", metadata,
    sa.Column("entry_id", Text, sa.ForeignKey("entries.id"), primary_key=True),
    sa.Column("voter", Text, primary_key=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("question_id", sa.Uuid),
    sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

vocabulary = sa.Table(
    "vocabulary", metadata,
    sa.Column("word", Text, primary_key=True),
    sa.Index("vocabulary_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
)

lexeme_stats = sa.Table(
    "lexeme_stats", metadata,
    sa.Column("lexeme", Text, primary_key=True),
    sa.Column("df", sa.Integer, nullable=False),
)

postings = sa.Table(
    "postings", metadata,
    sa.Column("lexeme", Text, primary_key=True),
    sa.Column("entry_id", Text, sa.ForeignKey("entries.id"), primary_key=True),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Index("postings_entry", "entry_id"),
    # covering: Ask reads (entry_id, weight) per lexeme with index-only scans
    sa.Index("postings_cover", "lexeme", postgresql_include=["entry_id", "weight"]),
)

search_corpus = sa.Table(
    "search_corpus", metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.CheckConstraint("id = 1", name="search_corpus_singleton"),
)
