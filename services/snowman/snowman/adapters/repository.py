"""Reading and writing entries, versions, questions and votes; the search queries of Ask. The functions take a
session (the seed and the benchmark call them directly); `SqlEntries`, `SqlQuestions` and `SqlSearch` are the
application's ports (`application/ports.py`) on them.

Search runs in PostgreSQL: full-text search with the built-in `indonesian` configuration (stemming) gives the
candidates and their IDF-weighted coverage, `pg_trgm` fixes typos against the vocabulary of the published entries
and measures how close the question is to each phrasing. Ranking of the candidates is the domain's (`ranking`).
"""
from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from ..application.ports import EntryRow, QuestionRow, SearchRow, SimilarRow, VersionRow
from ..domain import entries as dom
from ..domain.ranking import Candidate
from ..domain.text import words
from . import tables as t

TS_CONFIG = "indonesian"
CANDIDATE_POOL = 30          # best lexical candidates that get trigram-scored and ranked
COMMON_DF_RATIO = 0.5        # words in more than half the entries are left out of the search (low IDF)
EXTRA_COMMON_DF_RATIO = 0.2  # synonyms the asker did not type are searched only when they are this specific
TYPO_MIN_SIMILARITY = 0.35
EXTRA_WEIGHT = 0.5           # a synonym the asker did not type counts half
BODY_CREDIT = 0.5            # a word found only in the answer text counts half
SIMILAR_QUESTION_MIN = 0.35


# -- entries and versions ---------------------------------------------------------------------------------------

def _content(row) -> dom.EntryContent:
    return dom.EntryContent(judul=row.judul, pertanyaan=tuple(row.pertanyaan), jawaban=row.jawaban,
                            kelompok=tuple(row.kelompok), rujukan=row.rujukan, ruleset=row.ruleset,
                            tags=tuple(row.tags))


def _version(row) -> VersionRow:
    return VersionRow(entry_id=row.entry_id, version=row.version, content=_content(row), status=row.status,
                      author=row.author, approved_by=row.approved_by,
                      question_id=str(row.question_id) if row.question_id else None,
                      created_at=row.created_at, published_at=row.published_at)


def lock_entry(session, entry_id: str):
    """The entry's row, locked for this transaction (serialises edits and publications of one entry)."""
    return session.execute(sa.select(t.entries).where(t.entries.c.id == entry_id).with_for_update()).first()


def get_entry(session, entry_id: str):
    return session.execute(sa.select(t.entries).where(t.entries.c.id == entry_id)).first()


def get_version(session, entry_id: str, version: int) -> VersionRow | None:
    row = session.execute(sa.select(t.entry_versions).where(
        t.entry_versions.c.entry_id == entry_id, t.entry_versions.c.version == version)).first()
    return _version(row) if row else None


def history(session, entry_id: str) -> list[VersionRow]:
    rows = session.execute(sa.select(t.entry_versions).where(t.entry_versions.c.entry_id == entry_id)
                           .order_by(t.entry_versions.c.version))
    return [_version(r) for r in rows]


def create_entry(session, entry_id: str, kelompok: tuple[str, ...]) -> bool:
    """A new entry row with no version yet; False when the id is taken."""
    result = session.execute(pg_insert(t.entries).values(id=entry_id, latest_version=0, kelompok=list(kelompok))
                             .on_conflict_do_nothing().returning(t.entries.c.id))
    return result.first() is not None


def add_version(session, entry_id: str, version: int, content: dom.EntryContent, *, author: str,
                question_id: str | None = None) -> None:
    session.execute(t.entry_versions.insert().values(
        entry_id=entry_id, version=version, judul=content.judul, pertanyaan=list(content.pertanyaan),
        jawaban=content.jawaban, kelompok=list(content.kelompok), rujukan=content.rujukan, ruleset=content.ruleset,
        tags=list(content.tags), fingerprint=content.fingerprint(), status=dom.DRAFT, author=author,
        question_id=uuid.UUID(question_id) if question_id else None))
    session.execute(t.entries.update().where(t.entries.c.id == entry_id).values(
        latest_version=version, updated_at=sa.func.now()))


def publish_version(session, entry_id: str, version: int, approver: str, *, update_stats: bool = True) -> None:
    """Make `version` the published one: supersede the previous, copy the content into the searchable row."""
    session.execute(t.entry_versions.update().where(
        t.entry_versions.c.entry_id == entry_id, t.entry_versions.c.status == dom.PUBLISHED,
        t.entry_versions.c.version != version).values(status=dom.SUPERSEDED))
    session.execute(t.entry_versions.update().where(
        t.entry_versions.c.entry_id == entry_id, t.entry_versions.c.version == version,
        t.entry_versions.c.status == dom.DRAFT).values(
        status=dom.PUBLISHED, approved_by=approver, published_at=sa.func.now()))
    if update_stats:
        session.execute(sa.text("""
            UPDATE lexeme_stats s SET df = s.df - 1
            FROM (SELECT DISTINCT unnest(tsvector_to_array(body_tsv)) AS lexeme FROM entries WHERE id = :id
                  AND published_version IS NOT NULL ORDER BY 1) old
            WHERE s.lexeme = old.lexeme"""), {"id": entry_id})
    session.execute(sa.text(f"""
        UPDATE entries e SET published_version = v.version, judul = v.judul, pertanyaan = v.pertanyaan,
               jawaban = v.jawaban, kelompok = v.kelompok, rujukan = v.rujukan, ruleset = v.ruleset, tags = v.tags,
               head_tsv = h.tsv, body_tsv = h.tsv || setweight(to_tsvector('{TS_CONFIG}', v.jawaban), 'D'),
               updated_at = now()
        FROM entry_versions v,
             LATERAL (SELECT setweight(to_tsvector('{TS_CONFIG}', v.judul), 'A')
                          || setweight(to_tsvector('{TS_CONFIG}', array_to_string(v.pertanyaan, ' ')), 'A')
                          || setweight(to_tsvector('{TS_CONFIG}', array_to_string(v.tags, ' ')), 'B') AS tsv) h
        WHERE e.id = :id AND v.entry_id = e.id AND v.version = :version"""), {"id": entry_id, "version": version})
    _write_postings(session, entry_id)
    if update_stats:
        first = session.execute(sa.text(
            "SELECT count(*) FROM entry_versions WHERE entry_id = :id AND status <> 'draft'"),
            {"id": entry_id}).scalar()
        if first == 1:
            session.execute(sa.text("UPDATE search_corpus SET entries = entries + 1 WHERE id = 1"))
        session.execute(sa.text("""
            INSERT INTO lexeme_stats (lexeme, df)
            SELECT lexeme, 1 FROM (SELECT DISTINCT unnest(tsvector_to_array(body_tsv)) AS lexeme
                                   FROM entries WHERE id = :id ORDER BY 1) new
            ON CONFLICT (lexeme) DO UPDATE SET df = lexeme_stats.df + 1"""), {"id": entry_id})
        add_vocabulary(session, [_content_text(get_version(session, entry_id, version).content)])


POSTINGS_SQL = """
    INSERT INTO postings (lexeme, entry_id, weight)
    SELECT b.lexeme, e.id, CASE WHEN h.lexeme IS NOT NULL THEN 1.0 ELSE :body_credit END
    FROM entries e CROSS JOIN LATERAL unnest(e.body_tsv) b
    LEFT JOIN LATERAL (SELECT lexeme FROM unnest(e.head_tsv) WHERE lexeme = b.lexeme) h ON true
    WHERE {where}"""


def _write_postings(session, entry_id: str) -> None:
    session.execute(sa.text("DELETE FROM postings WHERE entry_id = :id"), {"id": entry_id})
    session.execute(sa.text(POSTINGS_SQL.format(where="e.id = :id")), {"id": entry_id, "body_credit": BODY_CREDIT})


def _content_text(content: dom.EntryContent) -> str:
    return " ".join([content.judul, *content.pertanyaan, content.jawaban, *content.tags])


def add_vocabulary(session, texts: list[str]) -> None:
    vocab = sorted({w for text in texts for w in words(text) if len(w) >= 3 and not w[0].isdigit()})
    if vocab:
        session.execute(pg_insert(t.vocabulary).values([{"word": w} for w in vocab]).on_conflict_do_nothing())


def rebuild_search_statistics(session) -> None:
    """Recompute document frequencies and the vocabulary from every published entry (after bulk loads)."""
    session.execute(sa.text("DELETE FROM lexeme_stats"))
    session.execute(sa.text("DELETE FROM postings"))
    session.execute(sa.text(POSTINGS_SQL.format(where="e.published_version IS NOT NULL")),
                    {"body_credit": BODY_CREDIT})
    session.execute(sa.text("UPDATE search_corpus SET entries = "
                            "(SELECT count(*) FROM entries WHERE published_version IS NOT NULL) WHERE id = 1"))
    session.execute(sa.text("""
        INSERT INTO lexeme_stats (lexeme, df)
        SELECT word, ndoc FROM ts_stat('SELECT body_tsv FROM entries WHERE published_version IS NOT NULL')"""))
    texts = [" ".join([r.judul, *r.pertanyaan, r.jawaban, *r.tags]) for r in session.execute(
        sa.select(t.entries.c.judul, t.entries.c.pertanyaan, t.entries.c.jawaban, t.entries.c.tags)
        .where(t.entries.c.published_version.is_not(None)))]
    add_vocabulary(session, texts)


def list_entries(session, *, kelompok: str | None, drafts: bool, visible_groups: tuple[str, ...] | None,
                 offset: int, limit: int):
    e = t.entries
    query = sa.select(e.c.id, e.c.judul, e.c.kelompok, e.c.published_version, e.c.latest_version, e.c.rujukan)
    if drafts:
        query = query.where(e.c.latest_version > sa.func.coalesce(e.c.published_version, 0))
        if visible_groups is not None:
            query = query.where(e.c.kelompok.overlap(list(visible_groups)))
    else:
        query = query.where(e.c.published_version.is_not(None))
    if kelompok:
        query = query.where(e.c.kelompok.any(kelompok))
    return session.execute(query.order_by(e.c.id).offset(offset).limit(limit)).all()


# -- search ---------------------------------------------------------------------------------------------------

def corrections(session, candidates: list[str]) -> dict[str, str]:
    """For each word whose stem no published entry contains, the closest vocabulary word by trigram similarity."""
    rows = session.execute(sa.text(f"""
        SELECT w.word, fix.word AS fixed
        FROM unnest(CAST(:words AS text[])) AS w(word)
        CROSS JOIN LATERAL (
            SELECT v.word FROM vocabulary v
            WHERE v.word % w.word AND similarity(v.word, w.word) >= :min_sim
            ORDER BY v.word <-> w.word, v.word LIMIT 1) fix
        WHERE NOT EXISTS (
            SELECT 1 FROM lexeme_stats s
            WHERE s.df > 0 AND s.lexeme = ANY(tsvector_to_array(to_tsvector('{TS_CONFIG}', w.word))))
    """), {"words": candidates, "min_sim": TYPO_MIN_SIMILARITY})
    return {r.word: r.fixed for r in rows}


SEARCH_SQL = f"""
WITH n AS (SELECT greatest(entries, 1)::float8 AS n FROM search_corpus WHERE id = 1),
main AS (SELECT DISTINCT lex FROM unnest(tsvector_to_array(to_tsvector('{TS_CONFIG}', :terms))) AS lex),
q AS (SELECT lex, 1.0 AS w FROM main
      UNION ALL
      SELECT DISTINCT lex, :extra_weight FROM unnest(tsvector_to_array(to_tsvector('{TS_CONFIG}', :extra))) AS lex
      WHERE lex NOT IN (SELECT lex FROM main)),
all_terms AS (
    SELECT q.lex, q.w, quote_literal(q.lex)::tsquery AS tq, coalesce(s.df, 0) AS df,
           ln(1 + (n.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) AS idf,
           coalesce(s.df, 0) / n.n AS ratio
    FROM q CROSS JOIN n LEFT JOIN lexeme_stats s ON s.lexeme = q.lex),
-- words in most entries weigh little (low IDF) but would make every entry a candidate: leave them out unless the
-- question has nothing else
terms AS (
    SELECT * FROM all_terms WHERE df > 0 AND ratio <= (CASE WHEN w = 1.0 THEN :common ELSE :extra_common END)
    UNION ALL
    SELECT * FROM all_terms WHERE df > 0 AND w = 1.0
      AND NOT EXISTS (SELECT 1 FROM all_terms WHERE df > 0 AND ratio <= :common AND w = 1.0)),
-- the asker's own words, known or not (an unknown word lowers the confidence of every candidate)
denominator AS (
    SELECT coalesce(sum(idf) FILTER (WHERE ratio <= :common), sum(idf)) AS total FROM all_terms WHERE w = 1.0),
-- an inverted-index walk (index-only scans of postings), never a scan of the entries
lexical AS (
    SELECT p.entry_id AS id,
           least(1.0, sum(t.w * t.idf * p.weight) / (SELECT total FROM denominator)) AS lexical
    FROM terms t CROSS JOIN LATERAL (
        -- LIMIT keeps this a per-word index scan (the planner would otherwise hash the whole postings table)
        SELECT entry_id, weight FROM postings p WHERE p.lexeme = t.lex LIMIT 1000000) p
    GROUP BY p.entry_id ORDER BY lexical DESC, p.entry_id LIMIT :pool)
SELECT e.id, l.lexical,
       (SELECT coalesce(max(similarity(p, :surface)), 0) FROM unnest(e.pertanyaan || e.judul) p) AS trigram,
       e.kelompok, e.helpful, e.not_helpful, e.judul, e.jawaban, e.rujukan, e.ruleset, e.published_version
FROM lexical l JOIN entries e ON e.id = l.id
"""


def search(session, terms: str, surface: str, extra: str = "", pool: int = CANDIDATE_POOL) -> list[SearchRow]:
    """Candidates for the search words `terms` (full weight) and `extra` (synonyms of them, partial weight)."""
    if not terms.strip():
        return []
    rows = session.execute(sa.text(SEARCH_SQL), {
        "terms": terms, "extra": extra, "surface": surface, "pool": pool, "common": COMMON_DF_RATIO,
        "extra_common": EXTRA_COMMON_DF_RATIO, "extra_weight": EXTRA_WEIGHT})
    out = []
    for r in rows:
        out.append(SearchRow(
            candidate=Candidate(entry_id=r.id, lexical=Decimal(str(round(r.lexical, 6))),
                                trigram=Decimal(str(round(r.trigram, 6))), kelompok=tuple(r.kelompok),
                                helpful=r.helpful, not_helpful=r.not_helpful, ruleset=r.ruleset),
            judul=r.judul, jawaban=r.jawaban, rujukan=r.rujukan, ruleset=r.ruleset, version=r.published_version))
    return out


# -- questions ------------------------------------------------------------------------------------------------

def add_question(session, *, question_id: str, pertanyaan: str, normalised: str, kelompok: str, asker: str,
                 status: str, top_entry_id: str | None, top_score: Decimal | None) -> None:
    session.execute(t.questions.insert().values(
        id=uuid.UUID(question_id), pertanyaan=pertanyaan, normalised=normalised, kelompok=kelompok, asker=asker,
        status=status, top_entry_id=top_entry_id, top_score=top_score,
        closed_at=sa.func.now() if status == "answered" else None))


def similar_questions(session, normalised: str, *, exclude: str | None = None, kelompok: str | None = None,
                      limit: int = 5):
    """Earlier questions worded like this one (open ones first), so an expert or asker sees the duplicates."""
    q = t.questions
    sim = sa.func.similarity(q.c.normalised, normalised).label("similarity")
    query = (sa.select(q.c.id, q.c.pertanyaan, q.c.status, q.c.entry_id, sim)
             .where(q.c.normalised.op("%")(normalised), sim >= SIMILAR_QUESTION_MIN,
                    q.c.status.in_(("open", "expert_answered", "duplicate"))))
    if exclude:
        query = query.where(q.c.id != uuid.UUID(exclude))
    if kelompok:
        query = query.where(q.c.kelompok == kelompok)
    return session.execute(query.order_by(sim.desc(), q.c.asked_at).limit(limit)).all()


def get_question(session, question_id: str, lock: bool = False):
    query = sa.select(t.questions).where(t.questions.c.id == uuid.UUID(question_id))
    if lock:
        query = query.with_for_update()
    return session.execute(query).first()


def open_questions(session, groups: tuple[str, ...] | None, limit: int, after: tuple | None = None):
    """Open questions, oldest first; `after`: the (asked_at, id) of the previous page's last one."""
    q = t.questions
    query = sa.select(q).where(q.c.status == "open")
    if groups is not None:
        query = query.where(q.c.kelompok.in_(list(groups)))
    if after is not None:
        query = query.where(sa.tuple_(q.c.asked_at, q.c.id) > sa.tuple_(
            sa.bindparam(None, after[0], type_=q.c.asked_at.type), sa.bindparam(None, after[1], type_=q.c.id.type)))
    return session.execute(query.order_by(q.c.asked_at, q.c.id).limit(limit)).all()


def draft_for_question(session, question_id: str) -> str | None:
    return session.execute(sa.select(t.entry_versions.c.entry_id).where(
        t.entry_versions.c.question_id == uuid.UUID(question_id)).limit(1)).scalar()


def close_question(session, question_id: str, *, status: str, entry_id: str | None, handled_by: str,
                   duplicate_of: str | None = None) -> None:
    session.execute(t.questions.update().where(t.questions.c.id == uuid.UUID(question_id)).values(
        status=status, entry_id=entry_id, handled_by=handled_by, closed_at=sa.func.now(),
        duplicate_of=uuid.UUID(duplicate_of) if duplicate_of else None))


# -- votes ----------------------------------------------------------------------------------------------------

def vote(session, entry_id: str, voter: str, helpful: bool, question_id: str | None) -> tuple[int, int]:
    """Record (or replace) the caller's vote and keep the entry's counters exact; returns (helpful, not_helpful).

    The entry row is locked first so concurrent votes on one entry (even the same voter's first two) serialise.
    """
    session.execute(sa.select(t.entries.c.id).where(t.entries.c.id == entry_id).with_for_update())
    previous = session.execute(sa.select(t.votes.c.helpful).where(
        t.votes.c.entry_id == entry_id, t.votes.c.voter == voter).with_for_update()).scalar()
    qid = uuid.UUID(question_id) if question_id else None
    if previous is None:
        session.execute(t.votes.insert().values(entry_id=entry_id, voter=voter, helpful=helpful, question_id=qid))
        delta_up, delta_down = (1, 0) if helpful else (0, 1)
    else:
        session.execute(t.votes.update().where(t.votes.c.entry_id == entry_id, t.votes.c.voter == voter)
                        .values(helpful=helpful, question_id=qid, voted_at=sa.func.now()))
        if previous == helpful:
            delta_up = delta_down = 0
        else:
            delta_up, delta_down = (1, -1) if helpful else (-1, 1)
    row = session.execute(t.entries.update().where(t.entries.c.id == entry_id).values(
        helpful=t.entries.c.helpful + delta_up, not_helpful=t.entries.c.not_helpful + delta_down)
        .returning(t.entries.c.helpful, t.entries.c.not_helpful)).one()
    return row.helpful, row.not_helpful


# -- the application's ports -------------------------------------------------------------------------------------

def _entry(row) -> EntryRow | None:
    if row is None:
        return None
    return EntryRow(id=row.id, kelompok=tuple(row.kelompok), latest_version=row.latest_version,
                    published_version=row.published_version, helpful=row.helpful, not_helpful=row.not_helpful,
                    judul=row.judul, rujukan=row.rujukan)


def _question(row) -> QuestionRow | None:
    if row is None:
        return None
    return QuestionRow(id=str(row.id), pertanyaan=row.pertanyaan, normalised=row.normalised, kelompok=row.kelompok,
                       status=row.status, entry_id=row.entry_id, asked_at=row.asked_at)


class SqlEntries(ports.Entries):
    def __init__(self, session):
        self.session = session

    def get(self, entry_id, *, lock=False):
        return _entry(lock_entry(self.session, entry_id) if lock else get_entry(self.session, entry_id))

    def create(self, entry_id, kelompok):
        return create_entry(self.session, entry_id, kelompok)

    def add_version(self, entry_id, version, content, *, author, question_id=None):
        add_version(self.session, entry_id, version, content, author=author, question_id=question_id)

    def version(self, entry_id, version):
        return get_version(self.session, entry_id, version)

    def history(self, entry_id):
        return history(self.session, entry_id)

    def publish(self, entry_id, version, approver):
        publish_version(self.session, entry_id, version, approver)

    def page(self, *, kelompok, drafts, visible_groups, offset, limit):
        return [EntryRow(id=r.id, kelompok=tuple(r.kelompok), latest_version=r.latest_version,
                         published_version=r.published_version, judul=r.judul, rujukan=r.rujukan)
                for r in list_entries(self.session, kelompok=kelompok, drafts=drafts, visible_groups=visible_groups,
                                      offset=offset, limit=limit)]

    def vote(self, entry_id, voter, helpful, question_id):
        return vote(self.session, entry_id, voter, helpful, question_id)


class SqlQuestions(ports.Questions):
    def __init__(self, session):
        self.session = session

    def add(self, **question):
        add_question(self.session, **question)

    def get(self, question_id, *, lock=False):
        return _question(get_question(self.session, question_id, lock=lock))

    def similar(self, normalised, *, exclude=None):
        return [SimilarRow(id=str(r.id), pertanyaan=r.pertanyaan, status=r.status, entry_id=r.entry_id,
                           similarity=r.similarity)
                for r in similar_questions(self.session, normalised, exclude=exclude)]

    def open_page(self, groups, limit, after):
        return [_question(r) for r in open_questions(self.session, groups, limit, after)]

    def draft_for(self, question_id):
        return draft_for_question(self.session, question_id)

    def close(self, question_id, *, status, entry_id, handled_by, duplicate_of=None):
        close_question(self.session, question_id, status=status, entry_id=entry_id, handled_by=handled_by,
                       duplicate_of=duplicate_of)


class SqlSearch(ports.Search):
    def __init__(self, session):
        self.session = session

    def corrections(self, words):
        return corrections(self.session, words)

    def candidates(self, terms, surface, extra=""):
        return search(self.session, terms, surface, extra)
