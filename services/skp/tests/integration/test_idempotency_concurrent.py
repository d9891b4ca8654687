"""Concurrent retries with one idempotency key are applied once and all get the first answer (issue 15.12)."""
import uuid

import pytest
from skp_testlib import new_nip, wait_for

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


def _new_document(stub, pb, world, nama: str, jabatan_id: str):
    """A new employee's SKP document, created by the assignment event; (the employee's token, the document)."""
    nip, penilai = new_nip(), new_nip()
    me = world.token(nip)
    world.publish("identity", "employee_registered", {"nip": nip, "nama": nama, "instansi_id": world.instansi,
                                                      "golongan": "III/a", "status": "aktif"}, nip=nip)
    world.assign(nip, jabatan_id, "2024-01-02", penilai=penilai)
    [doc] = wait_for(lambda: list(stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=me, timeout=5).documents) or None)
    return me, doc


def test_concurrent_target_updates_with_one_key_apply_once(stub, pb, world):
    me, doc = _new_document(stub, pb, world, "Dewi", "jab-idem-1")
    request = pb.UpdateTargetsRequest(skp_id=doc.skp_id, expected_version=doc.version, kegiatan=[
        pb.KegiatanTarget(nama="Menyusun laporan", satuan="dokumen", kuantitas="10", waktu="12")])
    key = [("x-idempotency-key", "targets-race-" + uuid.uuid4().hex)]
    answers = testing.concurrently(lambda: stub.UpdateTargets(request, metadata=me + key, timeout=20))
    assert all(isinstance(a, pb.SkpDocumentResponse) for a in answers), answers
    assert len({a.SerializeToString() for a in answers}) == 1
    after = stub.GetSkp(pb.GetSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=5).document
    assert after.version == doc.version + 1  # applied once: a second application would have bumped it again


def test_a_retried_target_update_gets_the_first_answer_and_its_key_cannot_set_other_targets(stub, pb, world):
    me, doc = _new_document(stub, pb, world, "Wati", "jab-idem-2")
    md = me + [("x-idempotency-key", "targets-retry-" + uuid.uuid4().hex)]

    def update(kuantitas):
        return stub.UpdateTargets(pb.UpdateTargetsRequest(skp_id=doc.skp_id, expected_version=doc.version, kegiatan=[
            pb.KegiatanTarget(nama="Menyusun laporan", satuan="dokumen", kuantitas=kuantitas, waktu="12")]),
            metadata=md, timeout=20)
    testing.retried_alike(lambda: update("10"), lambda: update("11"))
    after = stub.GetSkp(pb.GetSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=5).document
    assert after.version == doc.version + 1  # applied once
