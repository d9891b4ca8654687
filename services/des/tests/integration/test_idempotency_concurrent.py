"""Concurrent retries with one idempotency key are applied once and all get the first answer (issue 15.12).
(SubmitActivity's own concurrent retries are in test_rules_live.py.)"""
import uuid

import pytest
import sqlalchemy as sa

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


def test_concurrent_plans_with_one_key_make_one_plan(stub, pb, world, des_db):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai)
    key = [("x-idempotency-key", "plan-race-" + uuid.uuid4().hex)]
    answers = testing.concurrently(lambda: stub.SubmitPlan(m.SubmitPlanRequest(
        kegiatan_id=f"{skp_id}-k1", uraian="menyusun konsep surat", kuantitas="2"),
        metadata=world.token(nip) + key, timeout=20))
    assert all(isinstance(a, m.Plan) for a in answers), answers
    assert len({a.SerializeToString() for a in answers}) == 1
    engine = sa.create_engine(des_db)
    try:
        with engine.connect() as conn:
            plans = conn.execute(sa.text("SELECT count(*) FROM daily_plans WHERE nip = :n"), {"n": nip}).scalar()
            events = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'plan_submitted' "
                                          "AND payload->>'nip' = :n"), {"n": nip}).scalar()
    finally:
        engine.dispose()
    assert (plans, events) == (1, 1)


def test_concurrent_approvals_with_one_key_apply_once_and_answer_alike(stub, pb, world):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai)
    report = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=f"{skp_id}-k1", uraian="konsep surat", kuantitas="2")), metadata=world.token(nip), timeout=10)
    key = [("x-idempotency-key", "approve-race-" + uuid.uuid4().hex)]
    request = m.ApproveActivitiesRequest(items=[m.ApproveItem(activity_id=report.activity_id, kuantitas_diakui="2",
                                                              expected_version=report.version)])
    answers = testing.concurrently(
        lambda: stub.ApproveActivities(request, metadata=world.token(penilai) + key, timeout=20))
    assert all(isinstance(a, m.ApproveActivitiesResponse) for a in answers), answers  # no FAILED_PRECONDITION
    assert len({a.SerializeToString() for a in answers}) == 1
    assert answers[0].activities[0].version == report.version + 1  # applied once


def test_a_retried_plan_gets_the_first_answer_and_its_key_cannot_plan_another(stub, pb, world, des_db):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai)
    md = world.token(nip) + [("x-idempotency-key", "plan-retry-" + uuid.uuid4().hex)]

    def plan(kuantitas):
        return stub.SubmitPlan(m.SubmitPlanRequest(kegiatan_id=f"{skp_id}-k1", uraian="menyusun konsep surat",
                                                   kuantitas=kuantitas), metadata=md, timeout=20)
    testing.retried_alike(lambda: plan("2"), lambda: plan("3"))
    assert testing.scalar(des_db, "SELECT count(*) FROM daily_plans WHERE nip = :n", n=nip) == 1


def test_a_retried_report_gets_the_first_answer_and_its_key_cannot_report_another(stub, pb, world, des_db):
    """SubmitActivity claims its key inside its one write statement (and may join other requests' writes): the
    same rules hold there, for the request's own `idempotency_key` field."""
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai)
    key = "report-retry-" + uuid.uuid4().hex

    def report(uraian):
        return stub.SubmitActivity(m.SubmitActivityRequest(idempotency_key=key, activity=m.ActivityInput(
            kegiatan_id=f"{skp_id}-k1", uraian=uraian, kuantitas="2")), metadata=world.token(nip), timeout=20)
    testing.retried_alike(lambda: report("konsep surat"), lambda: report("konsep surat kedua"))
    assert testing.scalar(des_db, "SELECT count(*) FROM activities WHERE nip = :n", n=nip) == 1
    assert testing.scalar(des_db, "SELECT count(*) FROM outbox WHERE event_type = 'activity_submitted' "
                          "AND payload->>'nip' = :n", n=nip) == 1
