"""snowman's use cases: ask, vote, read entries, expert edits and publication, open questions.

Every use case takes an open unit of work (`ports.SnowmanUnitOfWork`: entries, questions, search), the verified
caller and plain values; authorisation comes from `policy`, rules from the domain. Events go to `uow.record`, the
outbox of the same transaction. The caller (the entrypoint) opens and ends the unit; no protobuf, no SQL here.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from ekinerja_events.snowman import AnswerPublished, QuestionAsked
from ekinerja_platform.domain_errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, quote
from ekinerja_platform.envelope import Event
from ekinerja_platform.pagination import page_request
from ekinerja_platform.tokens import Principal

from ..domain import entries as dom
from ..domain import ranking, rulesets
from ..domain.text import SynonymTable, normalise
from . import policy
from .ports import Search, SimilarRow, SnowmanUnitOfWork, VersionRow

MAX_QUESTION = 1000
DEFAULT_ANSWERS, MAX_ANSWERS = 3, 10


@dataclass(frozen=True)
class AnswerView:
    entry_id: str
    judul: str
    jawaban: str
    skor: Decimal
    kelompok: tuple[str, ...]
    rujukan: str
    ruleset: str
    version: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class SimilarView:
    question_id: str
    pertanyaan: str
    status: str
    entry_id: str | None
    skor: Decimal


@dataclass(frozen=True)
class AskResult:
    status: str
    question_id: str
    kelompok: str
    normalised: str
    answers: list[AnswerView]
    similar: list[SimilarView] = field(default_factory=list)
    ruleset: str = ""


def _kelompok(requested: str, principal: Principal) -> str:
    requested = (requested or "").strip()
    if requested:
        if requested not in dom.KELOMPOK:
            raise InvalidArgument(f"must be one of {', '.join(dom.KELOMPOK)}", field="kelompok")
        return requested
    for group in principal.kelompok:
        if group in dom.KELOMPOK:
            return group
    return "umum"


def _ruleset(requested: str, default: str) -> str:
    requested = (requested or "").strip()
    if requested and requested not in rulesets.ASK_RULESETS:
        raise InvalidArgument(f"must be one of {', '.join(rulesets.ASK_RULESETS)}", field="ruleset")
    return requested or default


def _uuid(value: str, field_name: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument("must be a question id (uuid)", field=field_name) from None


def search(index: Search, pertanyaan: str, kelompok: str | None, synonyms: SynonymTable, limit: int,
           ruleset: str | None = None):
    """(normalised question, ranked answers): the read-only half of Ask, also used by the evaluation.
    `ruleset` is the asker's; a question naming a regulation is ranked under that one instead."""
    norm = normalise(pertanyaan, synonyms, index.corrections)
    rows = index.candidates(norm.text, norm.surface, norm.extra)
    by_id = {r.candidate.entry_id: r for r in rows}
    ranked = ranking.rank([r.candidate for r in rows], kelompok, limit, rulesets.preferred(pertanyaan, ruleset))
    answers = [AnswerView(entry_id=r.entry_id, judul=by_id[r.entry_id].judul, jawaban=by_id[r.entry_id].jawaban,
                          skor=r.score, kelompok=by_id[r.entry_id].candidate.kelompok,
                          rujukan=by_id[r.entry_id].rujukan, ruleset=by_id[r.entry_id].ruleset,
                          version=by_id[r.entry_id].version, helpful=by_id[r.entry_id].candidate.helpful,
                          not_helpful=by_id[r.entry_id].candidate.not_helpful) for r in ranked]
    return norm, ranked, answers


def _similar(rows: list[SimilarRow]) -> list[SimilarView]:
    return [SimilarView(r.id, r.pertanyaan, r.status, r.entry_id, Decimal(str(r.similarity)).quantize(ranking.PLACES))
            for r in rows]


def ask(uow: SnowmanUnitOfWork, principal: Principal, pertanyaan: str, kelompok: str, limit: int,
        synonyms: SynonymTable, threshold: Decimal = ranking.ANSWER_THRESHOLD, ruleset: str = "",
        default_ruleset: str = rulesets.PERMENPANRB) -> AskResult:
    policy.require(principal, "Ask")
    pertanyaan = (pertanyaan or "").strip()
    if not pertanyaan:
        raise InvalidArgument("must not be empty", field="pertanyaan")
    if len(pertanyaan) > MAX_QUESTION:
        raise InvalidArgument(f"at most {MAX_QUESTION} characters", field="pertanyaan")
    if limit < 0 or limit > MAX_ANSWERS:
        raise InvalidArgument(f"must be between 1 and {MAX_ANSWERS} (0 for {DEFAULT_ANSWERS})", field="limit")
    group = _kelompok(kelompok, principal)
    asker_ruleset = _ruleset(ruleset, default_ruleset)
    norm, ranked, answers = search(uow.search, pertanyaan, group, synonyms, limit or DEFAULT_ANSWERS, asker_ruleset)
    status = "answered" if ranking.answered(ranked, threshold) else "open"
    question_id = str(uuid.uuid4())
    similar = []
    if status == "open":
        similar = _similar(uow.questions.similar(norm.text or pertanyaan.lower()))
    uow.questions.add(question_id=question_id, pertanyaan=pertanyaan,
                      normalised=norm.text or pertanyaan.lower(), kelompok=group, asker=principal.subject,
                      status=status, top_entry_id=ranked[0].entry_id if ranked else None,
                      top_score=ranked[0].score if ranked else None)
    uow.record(Event.of(QuestionAsked(question_id=question_id, kelompok=group, status=status)))
    return AskResult(status=status, question_id=question_id, kelompok=group, normalised=norm.text,
                     answers=answers, similar=similar, ruleset=asker_ruleset)


def vote(uow: SnowmanUnitOfWork, principal: Principal, entry_id: str, helpful: bool,
         question_id: str) -> tuple[int, int]:
    policy.require(principal, "Vote")
    dom.validate_entry_id(entry_id)
    qid = _uuid(question_id, "question_id") if question_id else None
    row = uow.entries.get(entry_id)
    if row is None or row.published_version is None:
        raise NotFound(f"no published entry {quote(entry_id)}", field="entry_id")
    return uow.entries.vote(entry_id, principal.subject, helpful, qid)


# -- reading entries --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntryView:
    version: VersionRow
    history: list[VersionRow]
    published_version: int
    helpful: int
    not_helpful: int


def get_entry(uow: SnowmanUnitOfWork, principal: Principal, entry_id: str, version: int,
              with_history: bool) -> EntryView:
    policy.require(principal, "GetEntry")
    dom.validate_entry_id(entry_id)
    if version < 0:
        raise InvalidArgument("must be 0 (current) or a version number", field="version")
    row = uow.entries.get(entry_id)
    if row is None:
        raise NotFound(f"no entry {quote(entry_id)}", field="entry_id")
    sees_drafts = policy.handles(principal, row.kelompok) and policy.expert_groups(principal) != ()
    if row.published_version is None and not sees_drafts:
        raise NotFound(f"no entry {quote(entry_id)}", field="entry_id")
    wanted = version or (row.latest_version if sees_drafts else row.published_version or 0)
    found = uow.entries.version(entry_id, wanted)
    if found is None:
        raise NotFound(f"entry {quote(entry_id)} has no version {wanted}", field="version")
    if found.status == dom.DRAFT and not sees_drafts:
        raise NotFound(f"entry {quote(entry_id)} has no published version {wanted}", field="version")
    versions = uow.entries.history(entry_id) if with_history else []
    if not sees_drafts:
        versions = [v for v in versions if v.status != dom.DRAFT]
    return EntryView(found, versions, row.published_version or 0, row.helpful, row.not_helpful)


def list_entries(uow: SnowmanUnitOfWork, principal: Principal, kelompok: str, status: str, page_size: int,
                 page_token: str):
    policy.require(principal, "ListEntries")
    if kelompok and kelompok not in dom.KELOMPOK:
        raise InvalidArgument(f"must be one of {', '.join(dom.KELOMPOK)}", field="kelompok")
    status = status or "published"
    if status not in ("published", "draft"):
        raise InvalidArgument("must be published or draft", field="status")
    if page_size < 0 or page_size > 500:
        raise InvalidArgument("must be between 1 and 500", field="page_size")
    try:
        offset = int(page_token or 0)
    except ValueError:
        raise InvalidArgument("not a page token from this service", field="page_token") from None
    visible = None
    if status == "draft":
        policy.require(principal, "EditEntry")
        visible = policy.expert_groups(principal)
    size = page_size or 50
    rows = uow.entries.page(kelompok=kelompok or None, drafts=status == "draft", visible_groups=visible,
                             offset=offset, limit=size + 1)
    next_token = str(offset + size) if len(rows) > size else ""
    return rows[:size], next_token


# -- expert workflow --------------------------------------------------------------------------------------------

def edit_entry(uow: SnowmanUnitOfWork, principal: Principal, entry_id: str, content: dom.EntryContent,
               base_version: int, question_id: str | None = None) -> VersionRow:
    """A new draft version; base_version 0 creates the entry."""
    policy.require(principal, "EditEntry")
    content = dom.validate_content(content)
    if base_version < 0:
        raise InvalidArgument("must be the latest version number, or 0 to create the entry", field="base_version")
    if base_version == 0:
        entry_id = dom.validate_entry_id(entry_id or dom.slug_from(content.judul))
        policy.require(principal, "EditEntry", content.kelompok)
        if not uow.entries.create(entry_id, content.kelompok):
            raise AlreadyExists(f"entry {quote(entry_id)} exists; edit it with its latest version", field="entry_id")
        version = 1
    else:
        dom.validate_entry_id(entry_id)
        row = uow.entries.get(entry_id, lock=True)
        if row is None:
            raise NotFound(f"no entry {quote(entry_id)}", field="entry_id")
        policy.require(principal, "EditEntry", row.kelompok)
        policy.require(principal, "EditEntry", content.kelompok)
        dom.check_edit_base(base_version, row.latest_version)
        version = row.latest_version + 1
    uow.entries.add_version(entry_id, version, content, author=principal.subject, question_id=question_id)
    return _version(uow, entry_id, version)


def _version(uow: SnowmanUnitOfWork, entry_id: str, version: int) -> VersionRow:
    """A version this unit just wrote or found: present by construction."""
    found = uow.entries.version(entry_id, version)
    assert found is not None, (entry_id, version)
    return found


def publish_entry(uow: SnowmanUnitOfWork, principal: Principal, entry_id: str, version: int) -> VersionRow:
    policy.require(principal, "PublishEntry")
    dom.validate_entry_id(entry_id)
    if version <= 0:
        raise InvalidArgument("must be the number of the draft version to publish", field="version")
    row = uow.entries.get(entry_id, lock=True)
    if row is None:
        raise NotFound(f"no entry {quote(entry_id)}", field="entry_id")
    found = uow.entries.version(entry_id, version)
    if found is None:
        raise NotFound(f"entry {quote(entry_id)} has no version {version}", field="version")
    policy.require(principal, "PublishEntry", set(row.kelompok) | set(found.content.kelompok))
    if found.status == dom.PUBLISHED:
        return found  # publishing twice is a no-op
    dom.check_publishable(status=found.status, author=found.author, approver=principal.subject,
                          approver_is_admin=policy.is_admin(principal))
    if row.published_version and version < row.published_version:
        raise FailedPrecondition(f"version {row.published_version} is already published and newer",
                                 field="version")
    uow.entries.publish(entry_id, version, principal.subject)
    question_id = found.question_id
    if question_id:
        question = uow.questions.get(question_id, lock=True)
        if question is not None and question.status == "open":
            uow.questions.close(question_id, status="expert_answered", entry_id=entry_id,
                                handled_by=principal.subject)
    uow.record(Event.of(AnswerPublished(entry_id=entry_id, question_id=question_id)))
    return _version(uow, entry_id, version)


@dataclass(frozen=True)
class OpenQuestionView:
    question_id: str
    pertanyaan: str
    kelompok: str
    asked_at: object
    draft_entry_id: str | None
    similar: list[SimilarView]


def list_open_questions(uow: SnowmanUnitOfWork, principal: Principal, kelompok: str, page_size: int,
                        page_token: str = "") -> tuple[list[OpenQuestionView], str]:
    """A page of the open questions the expert may answer (oldest first) and the next page's token."""
    policy.require(principal, "ListOpenQuestions")
    groups = policy.expert_groups(principal)
    if kelompok:
        if kelompok not in dom.KELOMPOK:
            raise InvalidArgument(f"must be one of {', '.join(dom.KELOMPOK)}", field="kelompok")
        policy.require(principal, "ListOpenQuestions", [kelompok])
        groups = (kelompok,)
    page = page_request(page_size, page_token, "snowman.ListOpenQuestions", groups, key=(dt.datetime, uuid.UUID),
                        default=50, maximum=200)
    rows, token = page.split(uow.questions.open_page(groups, page.size + 1, page.after),
                             lambda q: (q.asked_at, uuid.UUID(q.id)))
    out = [OpenQuestionView(q.id, q.pertanyaan, q.kelompok, q.asked_at, uow.questions.draft_for(q.id),
                            _similar(uow.questions.similar(q.normalised, exclude=q.id))) for q in rows]
    return out, token


def _open_question(uow: SnowmanUnitOfWork, principal: Principal, question_id: str, rpc: str):
    qid = _uuid(question_id, "question_id")
    question = uow.questions.get(qid, lock=True)
    if question is None:
        raise NotFound(f"no question {qid}", field="question_id")
    policy.require(principal, rpc, [question.kelompok])
    if question.status != "open":
        raise FailedPrecondition(f"the question is {question.status}, not open", field="question_id")
    return qid, question


def answer_question(uow: SnowmanUnitOfWork, principal: Principal, question_id: str, entry_id: str,
                    content: dom.EntryContent) -> VersionRow:
    """The expert's answer becomes a draft entry that also carries the question's wording as a phrasing."""
    policy.require(principal, "AnswerQuestion")
    qid, question = _open_question(uow, principal, question_id, "AnswerQuestion")
    if question.pertanyaan not in content.pertanyaan:
        content = dom.EntryContent(judul=content.judul, pertanyaan=(question.pertanyaan, *content.pertanyaan),
                                   jawaban=content.jawaban, kelompok=content.kelompok or (question.kelompok,),
                                   rujukan=content.rujukan, ruleset=content.ruleset, tags=content.tags)
    return edit_entry(uow, principal, entry_id, content, 0, question_id=qid)


def mark_duplicate(uow: SnowmanUnitOfWork, principal: Principal, question_id: str, entry_id: str, duplicate_of: str):
    policy.require(principal, "MarkDuplicate")
    if bool(entry_id) == bool(duplicate_of):
        raise InvalidArgument("give exactly one of entry_id or duplicate_of", field="entry_id")
    qid, question = _open_question(uow, principal, question_id, "MarkDuplicate")
    other_id = None
    answered_by: str | None = entry_id
    if duplicate_of:
        other_id = _uuid(duplicate_of, "duplicate_of")
        if other_id == qid:
            raise InvalidArgument("a question cannot duplicate itself", field="duplicate_of")
        other = uow.questions.get(other_id)
        if other is None:
            raise NotFound(f"no question {other_id}", field="duplicate_of")
        answered_by = other.entry_id  # None while that question is still open
    else:
        dom.validate_entry_id(entry_id)
        row = uow.entries.get(entry_id)
        if row is None or row.published_version is None:
            raise NotFound(f"no published entry {quote(entry_id)}", field="entry_id")
    uow.questions.close(qid, status="duplicate", entry_id=answered_by, handled_by=principal.subject,
                        duplicate_of=other_id)
    return qid, "duplicate", answered_by
