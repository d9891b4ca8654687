"""Concurrent retries with one idempotency key are applied once and all get the first answer (issue 15.12)."""
import uuid

import pytest
import sqlalchemy as sa

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INST = "i-idem"


def test_concurrent_month_closes_with_one_key_close_once_and_answer_alike(stub, engine, test_keys):
    from ekinerja.recap.v1 import recap_pb2 as pb
    admin = testing.bearer(test_keys.token(subject="admin-idem", roles=["admin_instansi"], instansi=INST))
    key = [("x-idempotency-key", "close-race-" + uuid.uuid4().hex)]
    answers = testing.concurrently(lambda: stub.CloseMonth(pb.CloseMonthRequest(instansi_id=INST, tahun=2025, bulan=3),
                                                   metadata=admin + key, timeout=30))
    assert all(isinstance(a, pb.CloseMonthResponse) for a in answers), answers
    assert len({a.SerializeToString() for a in answers}) == 1 and not answers[0].already_closed
    with engine.connect() as conn:
        closed = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'recap_closed' "
                                      "AND payload->>'instansi_id' = :i"), {"i": INST}).scalar()
    assert closed == 1


def test_a_retried_close_gets_the_first_answer_and_its_key_cannot_close_another_month(stub, engine, test_keys):
    from ekinerja.recap.v1 import recap_pb2 as pb
    inst = "i-idem-retry"
    admin = testing.bearer(test_keys.token(subject="admin-idem", roles=["admin_instansi"], instansi=inst))
    md = admin + [("x-idempotency-key", "close-retry-" + uuid.uuid4().hex)]
    first = testing.retried_alike(
        lambda: stub.CloseMonth(pb.CloseMonthRequest(instansi_id=inst, tahun=2025, bulan=4), metadata=md, timeout=30),
        lambda: stub.CloseMonth(pb.CloseMonthRequest(instansi_id=inst, tahun=2025, bulan=5), metadata=md, timeout=30))
    assert not first.already_closed
    with engine.connect() as conn:
        closed = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'recap_closed' "
                                      "AND payload->>'instansi_id' = :i"), {"i": inst}).scalar()
    assert closed == 1
