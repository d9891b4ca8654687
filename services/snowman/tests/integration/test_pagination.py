"""snowman's ListOpenQuestions comes in pages (issue 15.11); ListEntries already did."""
import uuid

import grpc
import pytest

from ekinerja.snowman.v1 import snowman_pb2 as pb

pytestmark = pytest.mark.integration


def test_open_questions_come_in_pages(stub, tokens):
    for place in ("puskesmas", "klinik", "rumah sakit"):
        asked = stub.Ask(pb.AskRequest(pertanyaan=f"apakah perawat jaga malam di {place} {uuid.uuid4().hex[:6]} "
                                                  "dapat uang lembur tambahan shift?"),
                         metadata=tokens["perawat"], timeout=10)
        assert asked.status == "open"
    expert = tokens["expert_kes_1"]
    whole = stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(page_size=200), metadata=expert, timeout=10)
    assert len(whole.questions) >= 3 and not whole.next_page_token
    seen, token, pages = [], "", 0
    while True:
        page = stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(page_size=2, page_token=token), metadata=expert,
                                      timeout=10)
        pages += 1
        seen += [q.question_id for q in page.questions]
        token = page.next_page_token
        if not token:
            break
    assert seen == [q.question_id for q in whole.questions] and pages == -(-len(seen) // 2)
    with pytest.raises(grpc.RpcError) as err:
        stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(page_token="bm9wZQ"), metadata=expert, timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.value.details()
