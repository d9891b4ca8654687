"""List RPCs and GetAuditTrail come in pages (issue 15.11): following next_page_token yields every row once, in
order; a bad token or page size is INVALID_ARGUMENT naming the field."""
import grpc
import pytest

pytestmark = pytest.mark.integration


def all_pages(fetch, items):
    """Follow next_page_token from the first page; returns (rows, number of pages)."""
    rows, token, pages = [], "", 0
    while True:
        page = fetch(token)
        pages += 1
        rows.extend(items(page))
        token = page.next_page_token
        if not token:
            return rows, pages


def test_activities_plans_queue_and_audit_trail_come_in_pages(stub, pb, world):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai)
    me, boss = world.token(nip), world.token(penilai)
    submitted = [stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=f"{skp_id}-k1", uraian=f"konsep surat {i}", kuantitas="1")), metadata=me, timeout=10)
        for i in range(5)]
    for i in range(3):
        stub.SubmitPlan(m.SubmitPlanRequest(kegiatan_id=f"{skp_id}-k2", uraian=f"rencana {i}", kuantitas="1"),
                        metadata=me, timeout=10)

    activities, pages = all_pages(lambda t: stub.ListActivities(m.ListActivitiesRequest(page_size=2, page_token=t),
                                                                metadata=me, timeout=10), lambda p: p.activities)
    assert pages == 3 and [a.activity_id for a in activities] == [a.activity_id for a in submitted]
    whole = stub.ListActivities(m.ListActivitiesRequest(), metadata=me, timeout=10)
    assert not whole.next_page_token and list(whole.activities) == activities

    queue, pages = all_pages(lambda t: stub.ReviewQueue(m.ReviewQueueRequest(page_size=2, page_token=t),
                                                        metadata=boss, timeout=10), lambda p: p.activities)
    assert pages == 3 and sorted(a.activity_id for a in queue) == sorted(a.activity_id for a in submitted)

    plans, pages = all_pages(lambda t: stub.ListPlans(m.ListPlansRequest(page_size=2, page_token=t), metadata=me,
                                                      timeout=10), lambda p: p.plans)
    assert pages == 2 and [p.uraian for p in plans] == [f"rencana {i}" for i in range(3)]

    trail, pages = all_pages(lambda t: stub.GetAuditTrail(m.GetAuditTrailRequest(nip=nip, page_size=3, page_token=t),
                                                          metadata=me, timeout=10), lambda p: p.records)
    whole = stub.GetAuditTrail(m.GetAuditTrailRequest(nip=nip, page_size=1000), metadata=me, timeout=10)
    assert len(trail) >= 8 and pages == -(-len(trail) // 3) and list(whole.records) == trail


def test_a_bad_page_token_or_size_is_invalid_argument(stub, pb, world):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    world.approve_skp(nip, penilai)
    me = world.token(nip)
    first = stub.GetAuditTrail(m.GetAuditTrailRequest(nip=nip, page_size=1), metadata=me, timeout=10)
    cases = [m.GetAuditTrailRequest(nip=nip, page_token="bm90LWEtdG9rZW4"),
             m.GetAuditTrailRequest(nip=nip, page_size=5000),
             m.ListActivitiesRequest(page_token="%%%")]
    if first.next_page_token:  # a token from one query is refused by another
        cases.append(m.ListPlansRequest(page_token=first.next_page_token))
    for request in cases:
        call = stub.GetAuditTrail if isinstance(request, m.GetAuditTrailRequest) else (
            stub.ListActivities if isinstance(request, m.ListActivitiesRequest) else stub.ListPlans)
        with pytest.raises(grpc.RpcError) as err:
            call(request, metadata=me, timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.details().split(":")[0] in ("page_token", "page_size"), err.value.details()
