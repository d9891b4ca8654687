"""snowman's use cases on the in-memory unit of work (snowman_fakes.py): every use case, no PostgreSQL, no broker.

The search's scoring is the adapters' (tests/integration); here the fake search returns the candidates a test
states, and the tests check what the use cases decide: answered or open, who may see or publish what, what is
recorded in the outbox, which field a refusal names. Checked failing: with `uow.record` removed from `ask`,
`PermissionDenied` dropped from `check_publishable` (domain) and the `sees_drafts` filter removed from `get_entry`.
"""
from decimal import Decimal

import pytest
from snowman_fakes import FakeSnowmanUnitOfWork

from ekinerja_platform.domain_errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from ekinerja_platform.tokens import Principal
from snowman.application import handlers, ports
from snowman.domain import entries as dom
from snowman.domain.ranking import Candidate
from snowman.domain.text import SynonymTable

pytestmark = pytest.mark.unit

GURU = Principal("198001012005011001", ("pegawai",), kelompok=("pendidik",))
PERAWAT = Principal("198502022010012002", ("pegawai",), kelompok=("kesehatan",))
EXPERT_KES_1 = Principal("197001012000011004", ("pegawai", "expert"), kelompok=("kesehatan",))
EXPERT_KES_2 = Principal("197102022000012005", ("pegawai", "expert"), kelompok=("kesehatan", "umum"))
EXPERT_PEND = Principal("197203032000011006", ("pegawai", "expert"), kelompok=("pendidik",))
ADMIN = Principal("admin-bkn-1", ("admin_bkn",))
OPERATOR = Principal("operator-1", ("operator",))
NO_SYNONYMS = SynonymTable({})


def content(judul="Cuti tahunan perawat", kelompok=("kesehatan",), pertanyaan=("berapa hari cuti tahunan",)):
    return dom.EntryContent(judul=judul, pertanyaan=pertanyaan, jawaban="Dua belas hari kerja setahun.",
                            kelompok=kelompok, rujukan="PP 11/2017 Pasal 310", ruleset="semua", tags=())


@pytest.fixture
def uow():
    return FakeSnowmanUnitOfWork()


def published(uow, entry_id="cuti-tahunan", kelompok=("kesehatan",)):
    """An entry written by one expert and published by another, as the expert workflow does it."""
    with uow:
        handlers.edit_entry(uow, EXPERT_KES_1, entry_id, content(kelompok=kelompok), 0)
        handlers.publish_entry(uow, ADMIN, entry_id, 1)
    return entry_id


def found(entry_id, lexical="0.9", trigram="0.9", kelompok=("kesehatan",)):
    return ports.SearchRow(Candidate(entry_id, Decimal(lexical), Decimal(trigram), kelompok), judul="Cuti",
                           jawaban="Dua belas hari.", rujukan="PP 11/2017", ruleset="semua", version=1)


# -- Ask ----------------------------------------------------------------------------------------------------------

def test_ask_with_a_strong_candidate_is_answered_stored_and_recorded_in_the_outbox(uow):
    uow.search.found = [found("cuti-tahunan")]
    with uow:
        result = handlers.ask(uow, PERAWAT, "  Berapa hari cuti tahunan?  ", "", 0, NO_SYNONYMS)
    assert result.status == "answered" and [a.entry_id for a in result.answers] == ["cuti-tahunan"]
    assert result.kelompok == "kesehatan"  # from the token when the request names none
    assert uow.questions.rows[result.question_id].status == "answered"
    assert uow.recorded("question_asked") == [
        {"question_id": result.question_id, "kelompok": "kesehatan", "status": "answered"}]
    assert uow.committed


def test_ask_without_a_good_candidate_is_an_open_question_with_its_look_alikes(uow):
    uow.search.found = [found("cuti-tahunan", lexical="0.05", trigram="0.05")]
    uow.questions.alike = [ports.SimilarRow("5f0c9d2e-1111-4c3b-9a7e-2b1d6f3e4a5b", "cuti perawat?", "open", None,
                                            0.61234)]
    with uow:
        result = handlers.ask(uow, PERAWAT, "cuti perawat", "", 0, NO_SYNONYMS)
    assert result.status == "open"
    assert [(s.pertanyaan, s.skor) for s in result.similar] == [("cuti perawat?", Decimal("0.6123"))]
    assert uow.recorded("question_asked")[0]["status"] == "open"


@pytest.mark.parametrize(("question", "kelompok", "limit", "ruleset", "field"), [
    ("   ", "", 0, "", "pertanyaan"),
    ("x" * 1001, "", 0, "", "pertanyaan"),
    ("cuti", "petani", 0, "", "kelompok"),
    ("cuti", "", 11, "", "limit"),
    ("cuti", "", 0, "pp-lama", "ruleset"),
])
def test_a_bad_ask_names_its_field_and_records_nothing(uow, question, kelompok, limit, ruleset, field):
    with pytest.raises(InvalidArgument) as err, uow:
        handlers.ask(uow, PERAWAT, question, kelompok, limit, NO_SYNONYMS, ruleset=ruleset)
    assert err.value.field == field
    assert uow.events == [] and uow.questions.rows == {} and uow.rolled_back


def test_an_operator_may_not_ask(uow):
    with pytest.raises(PermissionDenied):
        handlers.ask(uow, OPERATOR, "cuti", "", 0, NO_SYNONYMS)


# -- Vote ---------------------------------------------------------------------------------------------------------

def test_a_vote_counts_once_per_voter_and_a_changed_mind_moves_the_counters(uow):
    entry = published(uow)
    assert handlers.vote(uow, GURU, entry, True, "") == (1, 0)
    assert handlers.vote(uow, GURU, entry, True, "") == (1, 0)
    assert handlers.vote(uow, PERAWAT, entry, True, "") == (2, 0)
    assert handlers.vote(uow, GURU, entry, False, "") == (1, 1)


def test_a_vote_on_a_draft_or_with_a_bad_question_id_is_refused(uow):
    with uow:
        handlers.edit_entry(uow, EXPERT_KES_1, "draft-saja", content(), 0)
    with pytest.raises(NotFound) as err:
        handlers.vote(uow, GURU, "draft-saja", True, "")
    assert err.value.field == "entry_id"
    with pytest.raises(InvalidArgument) as err:
        handlers.vote(uow, GURU, published(uow), True, "not-a-uuid")
    assert err.value.field == "question_id"


# -- reading entries ----------------------------------------------------------------------------------------------

def test_a_draft_is_seen_by_experts_of_its_group_only(uow):
    entry = published(uow)
    handlers.edit_entry(uow, EXPERT_KES_1, entry, content(judul="Cuti tahunan (revisi)"), 1)
    assert handlers.get_entry(uow, EXPERT_KES_2, entry, 0, False).version.version == 2
    employee_view = handlers.get_entry(uow, GURU, entry, 0, True)
    assert employee_view.version.version == 1 and [v.version for v in employee_view.history] == [1]
    with pytest.raises(NotFound) as err:
        handlers.get_entry(uow, GURU, entry, 2, False)
    assert err.value.field == "version"
    with pytest.raises(NotFound):
        handlers.get_entry(uow, EXPERT_PEND, entry, 2, False)


def test_an_unpublished_entry_does_not_exist_for_an_employee(uow):
    handlers.edit_entry(uow, EXPERT_KES_1, "baru", content(), 0)
    with pytest.raises(NotFound) as err:
        handlers.get_entry(uow, PERAWAT, "baru", 0, False)
    assert err.value.field == "entry_id"


def test_list_entries_pages_published_ones_and_shows_drafts_to_experts_only(uow):
    for name in ("a-satu", "b-dua", "c-tiga"):
        published(uow, name)
    handlers.edit_entry(uow, EXPERT_KES_1, "d-draft", content(), 0)
    rows, token = handlers.list_entries(uow, GURU, "", "", 2, "")
    assert [r.id for r in rows] == ["a-satu", "b-dua"] and token == "2"
    rows, token = handlers.list_entries(uow, GURU, "", "", 2, token)
    assert [r.id for r in rows] == ["c-tiga"] and token == ""
    assert [r.id for r in handlers.list_entries(uow, EXPERT_KES_2, "", "draft", 0, "")[0]] == ["d-draft"]
    with pytest.raises(PermissionDenied):
        handlers.list_entries(uow, GURU, "", "draft", 0, "")
    with pytest.raises(InvalidArgument) as err:
        handlers.list_entries(uow, GURU, "", "", 0, "nope")
    assert err.value.field == "page_token"


# -- expert workflow ----------------------------------------------------------------------------------------------

def test_edit_creates_then_versions_an_entry_and_refuses_a_stale_base(uow):
    first = handlers.edit_entry(uow, EXPERT_KES_1, "", content(), 0)
    assert (first.entry_id, first.version, first.status) == ("cuti-tahunan-perawat", 1, dom.DRAFT)
    assert handlers.edit_entry(uow, EXPERT_KES_2, first.entry_id, content(), 1).version == 2
    with pytest.raises(Conflict):
        handlers.edit_entry(uow, EXPERT_KES_2, first.entry_id, content(), 1)
    with pytest.raises(AlreadyExists) as err:
        handlers.edit_entry(uow, EXPERT_KES_1, first.entry_id, content(), 0)
    assert err.value.field == "entry_id"
    assert first.entry_id in uow.entries.locked  # a later edit locks the entry row


def test_an_expert_may_not_edit_another_groups_entry(uow):
    with pytest.raises(PermissionDenied) as err:
        handlers.edit_entry(uow, EXPERT_PEND, "cuti", content(kelompok=("kesehatan",)), 0)
    assert err.value.field == "kelompok"
    assert uow.entries.rows == {}


def test_the_author_may_not_publish_a_second_expert_may_and_it_is_recorded(uow):
    handlers.edit_entry(uow, EXPERT_KES_1, "cuti", content(), 0)
    with pytest.raises(PermissionDenied):
        handlers.publish_entry(uow, EXPERT_KES_1, "cuti", 1)
    with uow:
        version = handlers.publish_entry(uow, EXPERT_KES_2, "cuti", 1)
    assert (version.status, version.approved_by) == (dom.PUBLISHED, EXPERT_KES_2.subject)
    assert uow.recorded("answer_published") == [{"entry_id": "cuti", "question_id": None}]
    again = handlers.publish_entry(uow, EXPERT_KES_2, "cuti", 1)  # a no-op, no second event
    assert again.status == dom.PUBLISHED and len(uow.recorded("answer_published")) == 1


def test_publishing_a_newer_version_supersedes_and_an_older_one_is_refused(uow):
    entry = published(uow)
    handlers.edit_entry(uow, EXPERT_KES_1, entry, content(), 1)
    handlers.edit_entry(uow, EXPERT_KES_1, entry, content(), 2)
    handlers.publish_entry(uow, EXPERT_KES_2, entry, 3)
    assert uow.entries.version(entry, 1).status == dom.SUPERSEDED
    with pytest.raises(FailedPrecondition) as err:
        handlers.publish_entry(uow, EXPERT_KES_2, entry, 2)
    assert err.value.field == "version"
    with pytest.raises(NotFound):
        handlers.publish_entry(uow, EXPERT_KES_2, entry, 9)


# -- open questions -----------------------------------------------------------------------------------------------

def open_question(uow, who=PERAWAT, text="apakah perawat boleh cuti bersama?"):
    uow.search.found = []
    return handlers.ask(uow, who, text, "", 0, NO_SYNONYMS).question_id


def test_open_questions_are_listed_oldest_first_by_page_for_the_experts_of_their_group(uow):
    first, second = open_question(uow), open_question(uow, text="cuti melahirkan perawat?")
    open_question(uow, who=GURU)  # pendidik: not the kesehatan expert's
    page, token = handlers.list_open_questions(uow, EXPERT_KES_1, "", 1)
    assert [q.question_id for q in page] == [first] and token
    page, token = handlers.list_open_questions(uow, EXPERT_KES_1, "", 1, token)
    assert [q.question_id for q in page] == [second] and token == ""
    assert len(handlers.list_open_questions(uow, ADMIN, "", 10)[0]) == 3
    with pytest.raises(PermissionDenied):
        handlers.list_open_questions(uow, EXPERT_KES_1, "pendidik", 10)
    with pytest.raises(PermissionDenied):
        handlers.list_open_questions(uow, GURU, "", 10)


def test_an_answer_drafts_an_entry_with_the_question_wording_and_publishing_it_closes_the_question(uow):
    qid = open_question(uow)
    draft = handlers.answer_question(uow, EXPERT_KES_1, qid, "cuti-bersama-perawat", content())
    assert draft.content.pertanyaan[0] == "apakah perawat boleh cuti bersama?" and draft.question_id == qid
    assert handlers.list_open_questions(uow, EXPERT_KES_1, "", 10)[0][0].draft_entry_id == "cuti-bersama-perawat"
    handlers.publish_entry(uow, EXPERT_KES_2, "cuti-bersama-perawat", 1)
    assert uow.questions.closed[qid] == {"status": "expert_answered", "entry_id": "cuti-bersama-perawat",
                                         "handled_by": EXPERT_KES_2.subject, "duplicate_of": None}
    assert uow.recorded("answer_published")[-1] == {"entry_id": "cuti-bersama-perawat", "question_id": qid}
    with pytest.raises(FailedPrecondition) as err:
        handlers.answer_question(uow, EXPERT_KES_1, qid, "lagi", content())
    assert err.value.field == "question_id"


def test_mark_duplicate_points_a_question_at_an_entry_or_another_question(uow):
    entry = published(uow)
    first, second, third = open_question(uow), open_question(uow, text="b?"), open_question(uow, text="c?")
    assert handlers.mark_duplicate(uow, EXPERT_KES_1, first, entry, "") == (first, "duplicate", entry)
    assert handlers.mark_duplicate(uow, EXPERT_KES_1, second, "", first) == (second, "duplicate", entry)
    assert uow.questions.closed[second]["duplicate_of"] == first
    for entry_id, duplicate_of, field in ((entry, first, "entry_id"), ("", "", "entry_id"),
                                          ("", third, "duplicate_of")):
        with pytest.raises(InvalidArgument) as err:
            handlers.mark_duplicate(uow, EXPERT_KES_1, third, entry_id, duplicate_of)
        assert err.value.field == field
    with pytest.raises(NotFound):
        handlers.mark_duplicate(uow, EXPERT_KES_1, third, "tidak-ada", "")
    with pytest.raises(FailedPrecondition):
        handlers.mark_duplicate(uow, EXPERT_KES_1, first, entry, "")
