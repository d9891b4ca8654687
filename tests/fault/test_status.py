"""Honest status codes (issue 15 item 4): a graceful stop of des in the middle of a submit load finishes the calls
in flight and answers new ones UNAVAILABLE (never UNIMPLEMENTED "Method not found!"), and nothing is lost; NUL and
invalid UTF-8 (also inside a client stream) are INVALID_ARGUMENT, never INTERNAL."""
import uuid

import grpc
import pytest

from ekinerja_platform import testing
from ekinerja_testbed import figures
from ekinerja_testbed.load import SubmitLoad

pytestmark = pytest.mark.fault

SUBMITS = 1000
STOP_AT = 200


def test_a_graceful_stop_finishes_calls_in_flight_and_refuses_new_ones_as_unavailable(healthy):
    bed = healthy
    load = SubmitLoad(bed, bed.employees(10), total=SUBMITS).start()
    load.wait_acked(STOP_AT)
    bed.restart_service("des")  # SIGTERM, then started again on the same port
    load.join()
    drain = load.drain(60)
    answers = dict(load.errors)
    figures.record("graceful stop of des", submits=SUBMITS, acknowledged=len(load.acked),
                   answers=",".join(f"{k}:{v}" for k, v in sorted(answers.items())) or "-", drain_s=drain)
    assert set(answers) <= {"UNAVAILABLE"}, answers
    load.assert_exactly_once()


def code_of(call) -> str:
    try:
        call()
        return "OK"
    except grpc.RpcError as err:
        return err.code().name


def test_nul_and_invalid_utf8_are_invalid_argument(healthy):
    bed = healthy
    from ekinerja.des.v1 import des_pb2, des_pb2_grpc
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc
    nip, kegiatan_id = bed.employees(1)[0]
    admin, password = f"fault.admin.{uuid.uuid4().hex[:6]}", "Fault-" + uuid.uuid4().hex
    bed.account(admin, password, roles=("admin_bkn",))
    identity = grpc.insecure_channel(bed.services["identity"].target)
    des = grpc.insecure_channel(bed.services["des"].target)
    auth = bed.token(nip)
    login = identity_pb2_grpc.IdentityServiceStub(identity).Login
    submit = des_pb2_grpc.DesServiceStub(des).SubmitActivity
    admin_auth = testing.bearer(login(identity_pb2.LoginRequest(user=admin, password=password), timeout=10)
                                .access_token)

    def activity(uraian):
        return des_pb2.SubmitActivityRequest(idempotency_key=uuid.uuid4().hex, activity=des_pb2.ActivityInput(
            jenis=des_pb2.JENIS_SKP, kegiatan_id=kegiatan_id, uraian=uraian, kuantitas="1", menit=10))

    not_utf8 = b"\x0a\x03\xff\xfe\xfd"  # field 1 (a string) holding bytes that are not UTF-8
    cases = {
        "Login, NUL in user": lambda: login(identity_pb2.LoginRequest(user="admin\x00' OR 1=1", password="x"),
                                            timeout=10),
        "Login, invalid UTF-8": lambda: identity.unary_unary("/ekinerja.identity.v1.IdentityService/Login")(
            not_utf8, timeout=10),
        "SubmitActivity, NUL in uraian": lambda: submit(activity("laporan\x00harian"), metadata=auth, timeout=10),
        "SubmitActivity, invalid UTF-8": lambda: des.unary_unary("/ekinerja.des.v1.DesService/SubmitActivity")(
            b"\x0a\x03\xff\xfe\xfd", metadata=auth, timeout=10),
        "ImportPegawai, garbage in the stream": lambda: identity.stream_unary(
            "/ekinerja.identity.v1.IdentityService/ImportPegawai")(iter([b"\xff" * 7]), metadata=admin_auth,
                                                                   timeout=10),
    }
    try:
        answers = {case: code_of(call) for case, call in cases.items()}
    finally:
        identity.close()
        des.close()
    figures.record("NUL and invalid UTF-8", **{case: code for case, code in answers.items()})
    assert answers == {case: "INVALID_ARGUMENT" for case in cases}, answers
    assert bed.scalar("des", "SELECT count(*) FROM activities WHERE nip = :nip", nip=nip) == 0
