"""ImportPegawai applies each stream message whole, as it is read: a stream that breaks off keeps exactly the
messages applied before it, the answer counts them, and re-sending the stream resumes it (issue 15.10)."""
import threading
import time

import grpc
import pytest
from identity_testlib import nip, scalar

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-RESUME"
PER_MESSAGE = 50


def message(pb, first: int, count: int = PER_MESSAGE, bad_line: int | None = None):
    records = []
    for i in range(first, first + count):
        golongan = "V/z" if i + 1 == bad_line else "III/a"
        records.append(pb.ImportPegawaiRecord(line=i + 1, pegawai=pb.ImportPegawai(
            nip=nip(70000 + i), nama=f"Pegawai {i}", golongan=golongan)))
    return pb.ImportPegawaiRequest(instansi_id=INSTANSI, records=records)


def stored(identity_db) -> int:
    return scalar(identity_db, "SELECT count(*) FROM pegawai WHERE instansi_id = :i", i=INSTANSI)


def wait_stored(identity_db, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while stored(identity_db) != count:
        assert time.monotonic() < deadline, f"{stored(identity_db)} stored, waited for {count}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def auth(stub, pb, admin_token):
    auth = testing.bearer(admin_token)
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Resume", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=auth, timeout=10)
    return auth


def test_a_cancelled_import_keeps_the_messages_applied_and_resumes(stub, pb, auth, identity_db):
    release = threading.Event()

    def stream():
        yield message(pb, 0)
        wait_stored(identity_db, PER_MESSAGE)  # committed while the stream is still open
        yield message(pb, PER_MESSAGE)
        wait_stored(identity_db, 2 * PER_MESSAGE)
        release.wait(30)  # the client cancels here, before the third message

    call = stub.ImportPegawai.future(stream(), metadata=auth, timeout=60)
    wait_stored(identity_db, 2 * PER_MESSAGE)
    call.cancel()
    release.set()
    with pytest.raises(grpc.FutureCancelledError):
        call.result()
    time.sleep(0.5)  # nothing more lands after the cancel
    assert stored(identity_db) == 2 * PER_MESSAGE
    assert scalar(identity_db, "SELECT count(*) FROM audit_log WHERE action = 'import_pegawai' AND target = :i",
                  i=INSTANSI) == 2  # one audit record per applied message

    # resume: the whole stream again; what was applied is unchanged, the rest lands, the answer counts it all
    again = stub.ImportPegawai(iter([message(pb, 0), message(pb, PER_MESSAGE), message(pb, 2 * PER_MESSAGE)]),
                               metadata=auth, timeout=60)
    assert (again.messages_applied, again.received) == (3, 3 * PER_MESSAGE)
    assert (again.unchanged, again.created, again.failed) == (2 * PER_MESSAGE, PER_MESSAGE, 0)
    assert stored(identity_db) == 3 * PER_MESSAGE


def test_the_answer_says_what_each_message_applied(stub, pb, auth, identity_db):
    before = stored(identity_db)
    first = 1000
    answer = stub.ImportPegawai(iter([message(pb, first), message(pb, first + PER_MESSAGE, bad_line=first + 60),
                                      pb.ImportPegawaiRequest(instansi_id=INSTANSI, pegawai=pb.ImportPegawai(
                                          nip=nip(71999), nama="Satu", golongan="II/a"))]),
                                metadata=auth, timeout=60)
    assert (answer.messages_applied, answer.received) == (3, 2 * PER_MESSAGE + 1)
    assert (answer.created, answer.failed) == (2 * PER_MESSAGE, 1)
    assert [(e.line, e.field) for e in answer.errors] == [(first + 60, "golongan")]
    assert stored(identity_db) == before + 2 * PER_MESSAGE
