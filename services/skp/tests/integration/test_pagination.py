"""skp's list RPCs come in pages (issue 15.11): following next_page_token yields every row once, in order."""
import uuid

import grpc
import pytest
from skp_testlib import new_nip, wait_for

pytestmark = pytest.mark.integration


def all_pages(fetch, field):
    rows, token, pages = [], "", 0
    while True:
        page = fetch(token)
        pages += 1
        rows.extend(getattr(page, field))
        token = page.next_page_token
        if not token:
            return rows, pages


def test_documents_and_audit_come_in_pages(stub, pb, world):
    nip = new_nip()
    me = world.token(nip)
    world.publish("identity", "employee_registered", {"nip": nip, "nama": "Budi", "instansi_id": world.instansi,
                                                      "golongan": "III/a", "status": "aktif"}, nip=nip)
    world.assign(nip, "jab-pages-1", "2024-01-02", penilai=new_nip())
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=me, timeout=5).documents) or None)
    version = doc.version
    for n in range(4):
        version = stub.UpdateTargets(pb.UpdateTargetsRequest(skp_id=doc.skp_id, expected_version=version, kegiatan=[
            pb.KegiatanTarget(nama="Menyusun laporan", satuan="dokumen", kuantitas=str(10 + n), waktu="12")]),
            metadata=me + [("x-idempotency-key", uuid.uuid4().hex)], timeout=5).document.version

    whole = stub.ListAudit(pb.ListAuditRequest(skp_id=doc.skp_id, page_size=1000), metadata=me, timeout=5)
    entries, pages = all_pages(lambda t: stub.ListAudit(pb.ListAuditRequest(skp_id=doc.skp_id, page_size=2,
                                                                            page_token=t),
                                                        metadata=me, timeout=5), "entries")
    assert len(entries) >= 4 and entries == list(whole.entries) and pages == -(-len(entries) // 2)

    docs, pages = all_pages(lambda t: stub.ListSkp(pb.ListSkpRequest(nip=nip, page_size=1, page_token=t),
                                                   metadata=me, timeout=5), "documents")
    assert [d.skp_id for d in docs] == [doc.skp_id] and pages == 1

    with pytest.raises(grpc.RpcError) as err:
        stub.ListAudit(pb.ListAuditRequest(skp_id=doc.skp_id, page_token="bm9wZQ"), metadata=me, timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.value.details()
