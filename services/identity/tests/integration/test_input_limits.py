"""identity refuses NUL bytes, oversized fields and undecodable messages with INVALID_ARGUMENT (issue 15 items 3-4:
these were INTERNAL on Login and four other RPCs, and ImportPegawai with garbage bytes), before any work."""
import grpc
import pytest
from google.rpc.status_pb2 import Status

from ekinerja_platform import error_details, testing

pytestmark = pytest.mark.integration


def reason(error: grpc.RpcError) -> str:
    status = Status.FromString(dict(error.trailing_metadata())["grpc-status-details-bin"])
    assert status.code == error.code().value[0]
    return error_details.error_info(status).reason


def refused(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call(*args, timeout=10, **kwargs)
    return err.value


def test_nul_is_invalid_argument_on_login_and_other_rpcs(stub, pb, admin_token):
    auth = testing.bearer(admin_token)
    cases = [
        (stub.Login, pb.LoginRequest(user="admin\x00", password="x"), ()),
        (stub.Login, pb.LoginRequest(user="admin", password="pass\x00word"), ()),
        (stub.ClientToken, pb.ClientTokenRequest(client_id="c\x00", client_secret="s"), ()),
        (stub.RefreshToken, pb.RefreshTokenRequest(refresh_token="\x00"), ()),
        (stub.UpsertInstansi, pb.Instansi(id="KAB\x00X", nama="x"), auth),
        (stub.GetPegawai, pb.GetPegawaiRequest(nip="19900101\x002015031001"), auth),
    ]
    for call, request, metadata in cases:
        error = refused(call, request, metadata=metadata)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (request, error.details())
        assert reason(error) == "NUL_CHARACTER"


def test_a_1_mib_login_name_is_refused_with_a_short_message(stub, pb, identity):
    error = refused(stub.Login, pb.LoginRequest(user="9" * (1024 * 1024), password="x"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(error) == "FIELD_TOO_LONG" and error.details().startswith("user:")
    assert len(error.details()) < 200
    assert testing.health_status(identity.target) == "SERVING"


def test_import_pegawai_with_garbage_bytes_is_invalid_argument(identity, pb, admin_token):
    with grpc.insecure_channel(identity.target) as channel:
        call = channel.stream_unary("/ekinerja.identity.v1.IdentityService/ImportPegawai")
        good = pb.ImportPegawaiRequest(instansi_id="KAB-GARBAGE", line=1,
                                       unit=pb.ImportUnit(id="u-garbage", nama="Unit")).SerializeToString()
        # garbage first: each message is applied as it is read, and this instansi does not exist
        error = refused(call, iter([b"\xff\xfe\xfd\xfc\xfb\xfa\xf9", good]), metadata=testing.bearer(admin_token))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(error) == "MALFORMED_REQUEST"
