"""des refuses oversized and NUL-holding fields and undecodable stream messages with INVALID_ARGUMENT, before any
work (issue 15 items 3-4: one 1 MiB uraian froze des for 77 s, health included; garbage in an import was INTERNAL)."""
import threading

import grpc
import pytest
from google.rpc.status_pb2 import Status

from ekinerja_platform import error_details, testing

pytestmark = pytest.mark.integration
NIP = "199001012015031001"


def reason(error: grpc.RpcError) -> str:
    status = Status.FromString(dict(error.trailing_metadata())["grpc-status-details-bin"])
    return error_details.error_info(status).reason


def test_a_1_mib_uraian_is_refused_with_a_short_message_while_health_answers(world, stub, pb, des_service):
    m = pb[0]
    outcome = {}

    def submit():
        try:
            stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
                jenis=m.JENIS_NON_SKP, uraian="u" * (1024 * 1024), kuantitas="1", satuan="laporan", menit=30)),
                metadata=world.token(NIP), timeout=60)
        except grpc.RpcError as error:
            outcome["error"] = error

    thread = threading.Thread(target=submit)
    thread.start()
    assert testing.health_status(des_service.target, timeout=10) == "SERVING"
    thread.join(60)
    error = outcome["error"]
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("activity.uraian:") and len(error.details()) < 200
    assert reason(error) == "FIELD_TOO_LONG"


def test_nul_in_a_report_is_invalid_argument(world, stub, pb):
    m = pb[0]
    with pytest.raises(grpc.RpcError) as err:
        stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
            jenis=m.JENIS_NON_SKP, uraian="rapat\x00", kuantitas="1", satuan="laporan", menit=30)),
            metadata=world.token(NIP), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and reason(err.value) == "NUL_CHARACTER"


def test_an_import_stream_with_garbage_bytes_is_invalid_argument(world, channel):
    agency = world.token("agency-garbage", roles=("agency_client",), instansi="i-test", scope="des:import")
    call = channel.stream_unary("/ekinerja.des.v1.DesService/ImportActivities")
    with pytest.raises(grpc.RpcError) as err:
        call(iter([b"\x0a\x05\xff\xff\xff\xff\xff", b"\xde\xad\xbe\xef"]), metadata=agency, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(err.value) == "MALFORMED_REQUEST"


def test_database_down_is_unavailable_for_submits_and_reads(des_db, amqp_uri, test_keys, pb):
    """Measured before: with des's database down 207 of 1,200 submits got INTERNAL."""
    import sqlalchemy as sa
    proxy = testing.TcpProxy()
    proxy.start()
    url = sa.engine.make_url(des_db).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    process = testing.ServiceProcess("des", testing.service_env(url, amqp_uri, test_keys.jwks_url))
    m = pb[0]
    auth = testing.bearer(test_keys.token(subject=NIP, roles=["pegawai"], instansi="i-test"))
    try:
        process.start()
        with grpc.insecure_channel(process.target) as channel:
            stub = pb[1].DesServiceStub(channel)
            stub.ListActivities(m.ListActivitiesRequest(), metadata=auth, timeout=10)
            proxy.stop()
            submit = m.SubmitActivityRequest(activity=m.ActivityInput(
                jenis=m.JENIS_NON_SKP, uraian="rapat koordinasi", kuantitas="1", satuan="kegiatan", menit=30))
            for call, request in ((stub.SubmitActivity, submit), (stub.ListActivities, m.ListActivitiesRequest())):
                with pytest.raises(grpc.RpcError) as err:
                    call(request, metadata=auth, timeout=30)
                assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
                assert reason(err.value) == "DATABASE_UNAVAILABLE"
    finally:
        process.stop()
        proxy.stop()
