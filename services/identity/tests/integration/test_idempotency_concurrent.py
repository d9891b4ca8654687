"""Concurrent retries with one idempotency key are applied once and all get the first answer (issue 15.12)."""
import uuid

import pytest
from identity_testlib import nip, scalar

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-IDEM"


def test_concurrent_registrations_with_one_key_register_once_and_answer_alike(stub, pb, admin_token, identity_db):
    auth = testing.bearer(admin_token)
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Idem", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=auth, timeout=10)
    who = nip(60001)
    key = [("x-idempotency-key", "register-race-" + uuid.uuid4().hex)]
    answers = testing.concurrently(lambda: stub.RegisterPegawai(
        pb.Pegawai(nip=who, nama="Rina", instansi_id=INSTANSI, golongan="III/a"), metadata=auth + key, timeout=20))
    assert all(isinstance(a, pb.Pegawai) for a in answers), answers
    assert len({a.SerializeToString() for a in answers}) == 1
    assert scalar(identity_db, "SELECT count(*) FROM outbox WHERE event_type = 'employee_registered' "
                  "AND payload->>'nip' = :n", n=who) == 1
    assert scalar(identity_db, "SELECT count(*) FROM audit_log WHERE action = 'register_pegawai' AND target = :n",
                  n=who) == 1


def test_a_retried_registration_gets_the_first_answer_and_its_key_cannot_register_another(stub, pb, admin_token,
                                                                                          identity_db):
    auth = testing.bearer(admin_token)
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Idem", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=auth, timeout=10)
    who = nip(60002)
    md = auth + [("x-idempotency-key", "register-retry-" + uuid.uuid4().hex)]
    testing.retried_alike(
        lambda: stub.RegisterPegawai(pb.Pegawai(nip=who, nama="Sari", instansi_id=INSTANSI, golongan="III/a"),
                                     metadata=md, timeout=20),
        lambda: stub.RegisterPegawai(pb.Pegawai(nip=who, nama="Sari Dewi", instansi_id=INSTANSI, golongan="III/a"),
                                     metadata=md, timeout=20))
    assert scalar(identity_db, "SELECT count(*) FROM outbox WHERE event_type = 'employee_registered' "
                  "AND payload->>'nip' = :n", n=who) == 1
    assert scalar(identity_db, "SELECT nama FROM pegawai WHERE nip = :n", n=who) == "Sari"
