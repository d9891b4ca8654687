"""Concurrent retries with one idempotency key are applied once and all get the first answer (issue 15.12)."""
import uuid

import pytest
import sqlalchemy as sa

from ekinerja.snowman.v1 import snowman_pb2 as pb
from ekinerja_platform import testing

pytestmark = pytest.mark.integration


def test_concurrent_asks_with_one_key_record_one_question(stub, tokens, snowman_engine):
    key = [("x-idempotency-key", "ask-race-" + uuid.uuid4().hex)]
    question = "bagaimana cara menghitung nilai perilaku kerja " + uuid.uuid4().hex[:6]
    answers = testing.concurrently(lambda: stub.Ask(pb.AskRequest(pertanyaan=question), metadata=tokens["staf"] + key,
                                            timeout=20))
    assert all(isinstance(a, pb.AskResponse) for a in answers), answers
    assert len({a.SerializeToString() for a in answers}) == 1  # everybody got the first answer
    with snowman_engine.connect() as conn:
        asked = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'question_asked' "
                                     "AND payload->'data'->>'question_id' = :q"),
                             {"q": answers[0].question_id}).scalar()
        questions = conn.execute(sa.text("SELECT count(*) FROM questions WHERE pertanyaan = :p"),
                                 {"p": question}).scalar()
    assert (asked, questions) == (1, 1)


def test_a_retried_question_gets_the_first_answer_and_its_key_cannot_ask_another(stub, tokens, snowman_engine):
    md = tokens["staf"] + [("x-idempotency-key", "ask-retry-" + uuid.uuid4().hex)]
    question = "berapa target kuantitas minimal dalam rencana kerja " + uuid.uuid4().hex[:6]
    testing.retried_alike(lambda: stub.Ask(pb.AskRequest(pertanyaan=question), metadata=md, timeout=20),
                          lambda: stub.Ask(pb.AskRequest(pertanyaan=question + " lagi"), metadata=md, timeout=20))
    with snowman_engine.connect() as conn:
        questions = conn.execute(sa.text("SELECT count(*) FROM questions WHERE pertanyaan LIKE :p"),
                                 {"p": question + "%"}).scalar()
    assert questions == 1
