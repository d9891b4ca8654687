"""ImportPegawai of 10,000 records with bad ones; re-running changes nothing; events once per change, published."""
import time

import grpc
import pytest
from identity_testlib import nip, packed, scalar, wait_for
from kombu import Connection

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-IMPORT"
N = 10_000


def tree(pb):
    J = pb.ImportPegawaiRequest
    yield J(instansi_id=INSTANSI, unit=pb.ImportUnit(id="KI.U", nama="Sekretariat"))
    yield J(instansi_id=INSTANSI, unit=pb.ImportUnit(id="KI.S", nama="Sekolah", parent_id="KI.U"))
    yield J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(id="KI.KEPALA", unit_id="KI.U", nama="Kepala",
                                                           kind="struktural_jpt", job_group="umum", eselon="II.a"))
    for k in range(20):
        yield J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(
            id=f"KI.KASI{k}", unit_id="KI.U", nama=f"Kepala Seksi {k}", kind="struktural_pengawas",
            job_group="umum", parent_id="KI.KEPALA", eselon="IV.a"))
        yield J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(
            id=f"KI.GURU{k}", unit_id="KI.S", nama=f"Guru {k}", kind="fungsional_tertentu", job_group="pendidik",
            parent_id=f"KI.KASI{k}", jenjang="guru muda"))


BAD = {  # record number -> (field, how it is broken)
    17: "nip", 503: "golongan", 2048: "jabatan_id", 4096: "nama", 7777: "tmt_jabatan", 9999: "nip",
}


def people(pb, jabatan_of=lambda i: f"KI.GURU{i % 20}"):
    for i in range(N):
        record = pb.ImportPegawai(nip=nip(i), nama=f"Pegawai {i}", golongan="III/b", status="aktif",
                                  jabatan_id=jabatan_of(i), tmt_jabatan="2024-01-02")
        if i == 0:
            record.jabatan_id = "KI.KEPALA"
        elif 1 <= i <= 20:
            record.jabatan_id = f"KI.KASI{i - 1}"
        broken = BAD.get(i)
        if broken == "nip":
            record.nip = nip(i)[:8] + "13" + nip(i)[10:] if i == 17 else "1234"
        elif broken == "golongan":
            record.golongan = "V/z"
        elif broken == "jabatan_id":
            record.jabatan_id = "KI.NOPE"
        elif broken == "nama":
            record.nama = " "
        elif broken == "tmt_jabatan":
            record.tmt_jabatan = "2024-02-30"
        yield pb.ImportPegawaiRequest(instansi_id=INSTANSI, line=i + 1, pegawai=record)


def run_import(stub, pb, token, messages):
    started = time.perf_counter()
    try:
        return stub.ImportPegawai(packed(pb, messages), metadata=testing.bearer(token), timeout=300)
    finally:
        print(f"import of {len(messages)} records: {time.perf_counter() - started:.2f} s")


@pytest.fixture(scope="module")
def imported(stub, pb, admin_token, identity_db):
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Import", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=testing.bearer(admin_token), timeout=10)
    first = run_import(stub, pb, admin_token, list(tree(pb)) + list(people(pb)))
    outbox = scalar(identity_db, "SELECT count(*) FROM outbox")
    return first, outbox


def test_good_records_land_and_each_bad_one_is_reported(imported, identity_db):
    first, _ = imported
    assert first.received == 2 + 41 + N
    assert first.failed == len(BAD)
    assert {e.line for e in first.errors} == {i + 1 for i in BAD}
    fields = {e.line: e.field for e in first.errors}
    assert {i + 1: f for i, f in BAD.items()} == fields
    # a bad record is refused whole (the one naming an unknown position too): nothing of it lands
    assert first.created == 2 + 41 + N - len(BAD)
    landed = scalar(identity_db, "SELECT count(*) FROM pegawai WHERE instansi_id = :i", i=INSTANSI)
    assert landed == N - len(BAD)
    assert scalar(identity_db, "SELECT count(*) FROM assignment WHERE instansi_id = :i", i=INSTANSI) == N - len(BAD)


def test_events_once_per_change_with_penilai_from_the_tree(imported, identity_db):
    first, _ = imported
    count = lambda t: scalar(identity_db, "SELECT count(*) FROM outbox WHERE event_type = :t AND "  # noqa: E731
                             "payload->>'instansi_id' = :i", t=t, i=INSTANSI)
    assert count("employee_registered") == N - len(BAD)
    assert count("assignment_changed") == N - len(BAD)
    assert count("position_changed") == 41
    assert first.events == count("employee_registered") + count("assignment_changed") + count("position_changed")
    # a teacher (record 100, Guru 0 under Kasi 0 held by record 1) is rated by Kasi 0, whose atasan is the Kepala
    penilai = scalar(identity_db, "SELECT payload->'data'->>'penilai_nip' FROM outbox WHERE "
                     "event_type='assignment_changed' AND payload->>'nip' = :n", n=nip(100))
    atasan = scalar(identity_db, "SELECT payload->'data'->>'atasan_penilai_nip' FROM outbox WHERE "
                    "event_type='assignment_changed' AND payload->>'nip' = :n", n=nip(100))
    assert (penilai, atasan) == (nip(1), nip(0))


def test_rerunning_the_import_changes_nothing(stub, pb, admin_token, imported, identity_db):
    _, outbox_before = imported
    again = run_import(stub, pb, admin_token, list(tree(pb)) + list(people(pb)))
    assert (again.created, again.updated, again.events) == (0, 0, 0)
    assert again.unchanged == 2 + 41 + N - len(BAD)
    assert again.failed == len(BAD)
    assert scalar(identity_db, "SELECT count(*) FROM outbox") == outbox_before


def test_a_move_in_a_later_import_emits_one_assignment_changed(stub, pb, admin_token, imported, identity_db):
    moved = nip(300)
    msg = pb.ImportPegawaiRequest(instansi_id=INSTANSI, pegawai=pb.ImportPegawai(
        nip=moved, nama="Pegawai 300", golongan="III/b", status="aktif", jabatan_id="KI.GURU7",
        tmt_jabatan="2025-07-01"))
    result = run_import(stub, pb, admin_token, [msg])
    assert (result.updated, result.events) == (1, 1)
    again = run_import(stub, pb, admin_token, [msg])
    assert (again.updated, again.unchanged, again.events) == (0, 1, 0)
    chain = stub.GetSupervisorChain(pb.GetSupervisorChainRequest(nip=moved, on="2025-07-01"),
                                    metadata=testing.bearer(admin_token), timeout=10)
    assert chain.pejabat_penilai.nip == nip(8) and chain.atasan_pejabat_penilai.nip == nip(0)
    before = stub.GetSupervisorChain(pb.GetSupervisorChainRequest(nip=moved, on="2025-06-30"),
                                     metadata=testing.bearer(admin_token), timeout=10)
    assert before.pejabat_penilai.nip == nip(1 + 300 % 20)
    old = scalar(identity_db, "SELECT payload->'data'->'old'->>'end' FROM outbox WHERE event_type="
                 "'assignment_changed' AND payload->>'nip' = :n ORDER BY id DESC LIMIT 1", n=moved)
    assert old == "2025-06-30"


def test_events_reach_the_broker_once(imported, identity_amqp, identity_db):
    assert wait_for(lambda: scalar(identity_db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0, 60)
    expected = scalar(identity_db, "SELECT count(*) FROM outbox WHERE event_type = 'employee_registered'")
    with Connection(identity_amqp) as conn:
        # recap consumes employee_registered; no recap runs in identity's vhost, so the queue keeps them
        queue = conn.default_channel.queue_declare("recap.identity.employee_registered", passive=True)
    assert queue.message_count == expected


def test_import_into_another_instansi_is_denied_for_an_admin_instansi(stub, pb, admin_token, imported):
    stub.CreateAccount(pb.CreateAccountRequest(account=pb.Account(login="adm.import", roles=["admin_instansi"],
                                                                  instansi_id=INSTANSI), password="secret-pass-1"),
                       metadata=testing.bearer(admin_token), timeout=10)
    token = stub.Login(pb.LoginRequest(user="adm.import", password="secret-pass-1"), timeout=10).access_token
    msg = pb.ImportPegawaiRequest(instansi_id="KAB-OTHER", pegawai=pb.ImportPegawai(nip=nip(1), nama="x",
                                                                                    golongan="III/a"))
    with pytest.raises(grpc.RpcError) as err:
        run_import(stub, pb, token, [msg])
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
