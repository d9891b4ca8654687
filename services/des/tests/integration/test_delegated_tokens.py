"""A delegated SMS token (issue 19: `via: "sms"`, `act` naming the bridge) against the real des process: it records
the employee's own report and plan by quick entry and reads their own plans, and nothing more: another person's
data, and every method outside the platform's allowlist (an approval, a form entry), are refused."""
import grpc
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def sms_token(world, nip):
    return world.token(nip, act={"sub": "sms-bridge"}, via="sms")


def test_an_sms_token_records_its_own_quick_entry_and_nothing_more(stub, pb, world, des_db):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    world.approve_skp(nip, penilai)
    sms = sms_token(world, nip)
    ok = stub.SubmitText(m.SubmitTextRequest(text="LAPOR K2 3 laporan menyusun laporan keuangan",
                                             idempotency_key="sms-1"), metadata=sms, timeout=10)
    assert ok.ok and ok.activity_id
    again = stub.SubmitText(m.SubmitTextRequest(text="LAPOR K2 3 laporan menyusun laporan keuangan",
                                                idempotency_key="sms-1"), metadata=sms, timeout=10)
    assert again.activity_id == ok.activity_id  # the gateway delivering the same SMS twice: applied once
    plan = stub.SubmitText(m.SubmitTextRequest(text="RENCANA K1 2 konsep surat edaran"), metadata=sms, timeout=10)
    assert plan.ok and plan.plan_id
    assert len(stub.ListPlans(m.ListPlansRequest(), metadata=sms, timeout=10).plans) == 1
    engine = sa.create_engine(des_db)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM activities WHERE nip = :n"), {"n": nip}).scalar() == 1
    finally:
        engine.dispose()

    # another person's data: the allowlisted read still obeys des's own rule (own NIP only)
    stranger = world.new_nip()
    with pytest.raises(grpc.RpcError) as err:
        stub.ListPlans(m.ListPlansRequest(nip=stranger), metadata=sms, timeout=10)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # methods outside the allowlist, even ones the employee may call with their own token
    with pytest.raises(grpc.RpcError) as err:
        stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
            kegiatan_id="x", uraian="menyusun", kuantitas="1")), metadata=sms, timeout=10)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED and "diwakilkan" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        stub.GetActivity(m.GetActivityRequest(activity_id=ok.activity_id), metadata=sms, timeout=10)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # the supervisor's SMS token may read the review queue but never approve
    boss_sms = sms_token(world, penilai)
    queue = stub.ReviewQueue(m.ReviewQueueRequest(), metadata=boss_sms, timeout=10)
    assert ok.activity_id in [a.activity_id for a in queue.activities]
    with pytest.raises(grpc.RpcError) as err:
        stub.ApproveDay(m.ApproveDayRequest(nip=nip, tanggal=world.today().isoformat()), metadata=boss_sms,
                        timeout=10)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED and "diwakilkan" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        stub.ApproveActivities(m.ApproveActivitiesRequest(), metadata=boss_sms, timeout=10)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # the very same supervisor with their own token reads the entry (the refusals were the delegation's)
    stub.GetActivity(m.GetActivityRequest(activity_id=ok.activity_id), metadata=world.token(penilai), timeout=10)
