"""Maps snowman's gRPC messages to use cases and back; one function per RPC, each one unit of work
(`adapters.unit_of_work.SqlSnowmanUnitOfWork`) that this module opens and ends.

Write RPCs honour `x-idempotency-key`: the first response is stored with the change, a retry gets it back.
"""
from __future__ import annotations

from ekinerja.snowman.v1 import snowman_pb2 as pb
from ekinerja_platform.idempotency import run_once_in

from ..adapters.unit_of_work import SqlSnowmanUnitOfWork
from ..application import config, handlers
from ..application.synonyms import synonym_table
from ..domain import entries as dom


def _ts(value) -> str:
    return value.isoformat() if value else ""


def _content_in(message) -> dom.EntryContent:
    return dom.EntryContent(judul=message.judul, pertanyaan=tuple(message.pertanyaan), jawaban=message.jawaban,
                            kelompok=tuple(message.kelompok), rujukan=message.rujukan, ruleset=message.ruleset,
                            tags=tuple(message.tags))


def _version_out(v) -> pb.EntryVersion:
    c = v.content
    return pb.EntryVersion(
        entry_id=v.entry_id, version=v.version, status=v.status, author=v.author, approved_by=v.approved_by or "",
        created_at=_ts(v.created_at), published_at=_ts(v.published_at), question_id=v.question_id or "",
        content=pb.EntryContent(judul=c.judul, pertanyaan=list(c.pertanyaan), jawaban=c.jawaban,
                                kelompok=list(c.kelompok), rujukan=c.rujukan, ruleset=c.ruleset, tags=list(c.tags)))


def _similar_out(s) -> pb.SimilarQuestion:
    return pb.SimilarQuestion(question_id=s.question_id, pertanyaan=s.pertanyaan, status=s.status,
                              entry_id=s.entry_id or "", skor=str(s.skor))


def _idempotent(db, call, rpc: str, request, response_type, work):
    """Run `work(uow, principal)` once per idempotency key (when the caller sent one), even when retries of
    one key arrive concurrently."""
    principal = call.require_principal()
    return run_once_in(SqlSnowmanUnitOfWork(db), call, f"snowman.{rpc}", request, response_type,
                       lambda uow: work(uow, principal))


def ask(db, call, request):
    def work(uow, principal):
        result = handlers.ask(uow, principal, request.pertanyaan, request.kelompok, request.limit,
                              synonym_table(), ruleset=request.ruleset, default_ruleset=config.default_ruleset())
        return pb.AskResponse(
            status=result.status, question_id=result.question_id, kelompok=result.kelompok,
            normalised=result.normalised, ruleset=result.ruleset,
            similar_questions=[_similar_out(s) for s in result.similar],
            answers=[pb.Answer(id=a.entry_id, judul=a.judul, jawaban=a.jawaban, skor=str(a.skor),
                               kelompok=list(a.kelompok), rujukan=a.rujukan, version=a.version, ruleset=a.ruleset,
                               helpful=a.helpful, not_helpful=a.not_helpful) for a in result.answers])
    return _idempotent(db, call, "Ask", request, pb.AskResponse, work)


def vote(db, call, request):
    def work(uow, principal):
        up, down = handlers.vote(uow, principal, request.entry_id, request.helpful, request.question_id)
        return pb.VoteResponse(entry_id=request.entry_id, helpful=up, not_helpful=down)
    return _idempotent(db, call, "Vote", request, pb.VoteResponse, work)


def get_entry(db, call, request):
    principal = call.require_principal()
    with SqlSnowmanUnitOfWork(db) as uow:
        view = handlers.get_entry(uow, principal, request.entry_id, request.version, request.history)
    return pb.GetEntryResponse(entry=_version_out(view.version), history=[_version_out(v) for v in view.history],
                               helpful=view.helpful, not_helpful=view.not_helpful,
                               published_version=view.published_version)


def list_entries(db, call, request):
    principal = call.require_principal()
    with SqlSnowmanUnitOfWork(db) as uow:
        rows, token = handlers.list_entries(uow, principal, request.kelompok, request.status,
                                            request.page_size, request.page_token)
    return pb.ListEntriesResponse(next_page_token=token, entries=[
        pb.EntrySummary(entry_id=r.id, judul=r.judul or "", kelompok=list(r.kelompok),
                        published_version=r.published_version or 0, latest_version=r.latest_version,
                        status="published" if r.published_version == r.latest_version else "draft",
                        rujukan=r.rujukan or "") for r in rows])


def edit_entry(db, call, request):
    def work(uow, principal):
        version = handlers.edit_entry(uow, principal, request.entry_id, _content_in(request.content),
                                      request.base_version)
        return pb.EditEntryResponse(entry=_version_out(version))
    return _idempotent(db, call, "EditEntry", request, pb.EditEntryResponse, work)


def publish_entry(db, call, request):
    def work(uow, principal):
        version = handlers.publish_entry(uow, principal, request.entry_id, request.version)
        return pb.PublishEntryResponse(entry=_version_out(version))
    return _idempotent(db, call, "PublishEntry", request, pb.PublishEntryResponse, work)


def list_open_questions(db, call, request):
    principal = call.require_principal()
    with SqlSnowmanUnitOfWork(db) as uow:
        views, token = handlers.list_open_questions(uow, principal, request.kelompok, request.page_size,
                                                    request.page_token)
    return pb.ListOpenQuestionsResponse(next_page_token=token, questions=[
        pb.OpenQuestion(question_id=v.question_id, pertanyaan=v.pertanyaan, kelompok=v.kelompok,
                        asked_at=_ts(v.asked_at), draft_entry_id=v.draft_entry_id or "",
                        similar_questions=[_similar_out(s) for s in v.similar]) for v in views])


def answer_question(db, call, request):
    def work(uow, principal):
        version = handlers.answer_question(uow, principal, request.question_id, request.entry_id,
                                           _content_in(request.content))
        return pb.AnswerQuestionResponse(entry=_version_out(version))
    return _idempotent(db, call, "AnswerQuestion", request, pb.AnswerQuestionResponse, work)


def mark_duplicate(db, call, request):
    def work(uow, principal):
        qid, status, entry_id = handlers.mark_duplicate(uow, principal, request.question_id, request.entry_id,
                                                        request.duplicate_of)
        return pb.MarkDuplicateResponse(question_id=qid, status=status, entry_id=entry_id or "")
    return _idempotent(db, call, "MarkDuplicate", request, pb.MarkDuplicateResponse, work)
