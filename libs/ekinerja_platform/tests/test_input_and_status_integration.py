"""Input limits, honest status codes, error details, readiness and timeouts (issue 15 items 3-6), proven against a
real service process on the real PostgreSQL and RabbitMQ. Outages are made with TCP proxies the tests own: the
shared servers are never stopped."""
import signal
import threading

import grpc
import pytest
import requests
import sqlalchemy as sa
from google.rpc.error_details_pb2 import BadRequest
from google.rpc.status_pb2 import Status

from ekinerja_platform import db, error_details, grpc_errors, testing
from ekinerja_platform.relay import OutboxRelay
from ekinerja_platform.testing import TcpProxy, wait_for

pytestmark = pytest.mark.integration

PATH = "/ekinerja.probe.v1.ProbeService/"


@pytest.fixture(scope="module")
def pb(probe_gen):
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
    return probe_pb2, probe_pb2_grpc


@pytest.fixture(scope="module")
def channel(probe):
    with grpc.insecure_channel(probe.target, options=[("grpc.max_send_message_length", 8 << 20)]) as channel:
        yield channel


@pytest.fixture(scope="module")
def auth(test_keys):
    return testing.bearer(test_keys.token(subject="199001012015031001", roles=["pegawai"], instansi="i-1"))


def details_of(error: grpc.RpcError) -> Status:
    """The google.rpc.Status a client reads from the trailers (what grpcio-status's `from_call` does)."""
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw, f"no error details on {error.code()}: {error.details()}"
    status = Status.FromString(raw)
    assert status.code == error.code().value[0] and status.message == error.details()
    return status


def reason_of(error: grpc.RpcError) -> str:
    info = error_details.error_info(details_of(error))
    assert info.domain == "ekinerja.go.id"
    return info.reason


def call_raw(channel, method: str, payload: bytes, metadata=(), stream: bool = False):
    """Send bytes as they are (no serializer): what a broken or hostile client can do."""
    if stream:
        call = channel.stream_stream(method)
        return list(call(iter([payload]), metadata=metadata, timeout=10))
    return channel.unary_unary(method)(payload, metadata=metadata, timeout=10)


def test_a_1_mib_field_is_refused_with_a_short_quote_while_health_answers(probe, channel, pb, auth):
    stub = pb[1].ProbeServiceStub(channel)
    outcome = {}

    def send():
        try:
            stub.Echo(pb[0].EchoRequest(text="x" * (1024 * 1024)), metadata=auth, timeout=30)
        except grpc.RpcError as error:
            outcome["error"] = error

    sender = threading.Thread(target=send)
    sender.start()
    assert testing.health_status(probe.target, timeout=10) == "SERVING"
    sender.join(30)
    error = outcome["error"]
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("text:") and len(error.details()) < 200 and "xxxxx" not in error.details()
    assert reason_of(error) == "FIELD_TOO_LONG"
    bad = BadRequest()
    assert details_of(error).details[1].Unpack(bad) and bad.field_violations[0].field == "text"
    assert "x" * 100 not in probe.log()  # the value never reaches the log
    assert stub.Echo(pb[0].EchoRequest(text="masih baik"), metadata=auth, timeout=5).text == "masih baik"


def test_nul_is_invalid_argument_in_public_and_authenticated_calls(channel, pb, auth):
    stub = pb[1].ProbeServiceStub(channel)
    for call, metadata in ((stub.Open, ()), (stub.Echo, auth)):
        with pytest.raises(grpc.RpcError) as err:
            call(pb[0].EchoRequest(text="199001012015031001\x00' OR 1=1"), metadata=metadata, timeout=5)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert reason_of(err.value) == "NUL_CHARACTER" and err.value.details().startswith("text:")


@pytest.mark.parametrize("payload", [
    b"\x0a\x03\xff\xfe\xfd",  # field 1 (text) holding bytes that are not UTF-8
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # not a message at all
    b"\x0a\x7f",  # a length past the end
])
def test_undecodable_requests_are_invalid_argument(channel, auth, payload):
    with pytest.raises(grpc.RpcError) as err:
        call_raw(channel, PATH + "Echo", payload, auth)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(err.value) == "MALFORMED_REQUEST"


def test_a_corrupt_message_in_a_client_stream_is_invalid_argument(channel):
    with pytest.raises(grpc.RpcError) as err:
        call_raw(channel, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                 b"\xff\xff\xff\xff\xff\xff\xff", stream=True)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(err.value) == "MALFORMED_REQUEST"


def test_every_error_carries_parseable_details(channel, pb, auth):
    stub = pb[1].ProbeServiceStub(channel)
    cases = [(lambda: stub.Reject(pb[0].EchoRequest(), metadata=auth, timeout=5), "INVALID_ARGUMENT"),
             (lambda: stub.Fail(pb[0].EchoRequest(), metadata=auth, timeout=5), "INTERNAL"),
             (lambda: stub.Echo(pb[0].EchoRequest(), timeout=5), "UNAUTHENTICATED"),
             (lambda: stub.Sleep(pb[0].SleepRequest(seconds=2), metadata=auth, timeout=0.3), None),
             (lambda: call_raw(channel, PATH + "NoSuchMethod", b""), "UNIMPLEMENTED")]
    for call, reason in cases:
        with pytest.raises(grpc.RpcError) as err:
            call()
        if reason is None:  # a deadline the client itself enforced carries no server trailers
            assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            continue
        assert reason_of(err.value) == reason


def _probe_process(make_probe_env, db_url, amqp_uri, test_keys, **extra) -> testing.ServiceProcess:
    return testing.ServiceProcess("probe_main", make_probe_env(db_url, amqp_uri, test_keys.jwks_url, **extra))


def _through(proxy: TcpProxy, url: str) -> str:
    return sa.engine.make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def test_database_down_is_unavailable_not_internal(make_probe_env, probe_db, amqp_uri, test_keys, pb):
    proxy = TcpProxy()
    proxy.start()
    process = _probe_process(make_probe_env, _through(proxy, probe_db), amqp_uri, test_keys)
    auth = testing.bearer(test_keys.token())
    try:
        process.start()
        with grpc.insecure_channel(process.target) as channel:
            stub = pb[1].ProbeServiceStub(channel)
            stub.Emit(pb[0].EchoRequest(text="before"), metadata=auth, timeout=10)
            proxy.stop()
            with pytest.raises(grpc.RpcError) as err:
                stub.Emit(pb[0].EchoRequest(text="during"), metadata=auth, timeout=20)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            assert reason_of(err.value) == "DATABASE_UNAVAILABLE"
            proxy.start()
            assert wait_for(lambda: _emits(stub, pb, auth), timeout=30)
    finally:
        process.stop()
        proxy.stop()


def _emits(stub, pb, auth) -> bool:
    try:
        return stub.Emit(pb[0].EchoRequest(text="after"), metadata=auth, timeout=5).text == "emitted"
    except grpc.RpcError:
        return False


def test_stopping_service_finishes_calls_in_flight_and_refuses_new_ones_as_unavailable(make_probe_env, probe_db,
                                                                                          amqp_uri, test_keys, pb):
    process = _probe_process(make_probe_env, probe_db, amqp_uri, test_keys).start()
    auth = testing.bearer(test_keys.token())
    try:
        with grpc.insecure_channel(process.target) as channel:
            stub = pb[1].ProbeServiceStub(channel)
            in_flight = stub.Sleep.future(pb[0].SleepRequest(seconds=4), metadata=auth, timeout=30)
            assert stub.Echo(pb[0].EchoRequest(text="up"), metadata=auth, timeout=5).text == "up"
            process.process.send_signal(signal.SIGTERM)

            def refused():
                try:
                    stub.Echo(pb[0].EchoRequest(text="new"), metadata=auth, timeout=5)
                    return None
                except grpc.RpcError as error:
                    return error

            error = wait_for(refused, timeout=10, interval=0.05)
            assert error is not None and not in_flight.done()
            assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
            assert reason_of(error) == "SERVER_STOPPING"
            assert in_flight.result().text == "slept"
        process.process.wait(30)
    finally:
        process.stop()


def test_ready_with_the_broker_down_and_broker_up_gauge_follows_it(make_probe_env, probe_db, amqp_uri, test_keys):
    host, port = testing.AMQP_HOST.split(":")
    proxy = TcpProxy(target=(host, int(port)))
    proxy.start()
    broker_uri = amqp_uri.replace(testing.AMQP_HOST, f"127.0.0.1:{proxy.port}")
    process = _probe_process(make_probe_env, probe_db, broker_uri, test_keys)
    try:
        process.start()
        assert wait_for(lambda: _broker_up(process) == 1.0, timeout=20)
        proxy.stop()
        assert wait_for(lambda: _broker_up(process) == 0.0, timeout=30)
        for _ in range(3):
            assert testing.health_status(process.target, timeout=5) == "SERVING"
            assert requests.get(f"http://127.0.0.1:{process.http_port}/ready", timeout=5).status_code == 200
        proxy.start()
        assert wait_for(lambda: _broker_up(process) == 1.0, timeout=30)
    finally:
        process.stop()
        proxy.stop()


def _broker_up(process) -> float | None:
    text = requests.get(f"http://127.0.0.1:{process.http_port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith('ekinerja_broker_up{service="probe"}'):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_every_engine_has_statement_and_lock_timeouts(probe_db, monkeypatch):
    import importlib

    from ekinerja_platform import runtime
    from ekinerja_platform.settings import Settings
    engines = [db.make_engine(probe_db, pool_size=1)]
    intake = importlib.import_module("recap.adapters.intake")
    engines.append(intake.make_intake_engine(probe_db, 1))
    direct = importlib.import_module("des.adapters.direct").DirectDatabase()  # des's joined writes
    runtime.configure(Settings(service="des", database_url=probe_db, amqp_uri="amqp://unused", grpc_port=0,
                               http_port=0, max_workers=1))
    try:
        direct.setup()
    finally:
        runtime._settings = None
    engines.append(direct.engine)
    try:
        for engine in engines:
            with engine.connect() as conn:
                assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "30s"
                assert conn.execute(sa.text("SHOW lock_timeout")).scalar() == "10s"
    finally:
        for engine in engines:
            engine.dispose()
    monkeypatch.setenv("EKINERJA_DB_STATEMENT_TIMEOUT_SECONDS", "0.2")
    engine = db.make_engine(probe_db, pool_size=1)
    try:
        with pytest.raises(sa.exc.OperationalError) as err, engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_sleep(5)"))
        assert grpc_errors.to_grpc_error(err.value).code == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        engine.dispose()


def test_the_relay_negotiates_a_heartbeat_with_the_broker(probe_db, amqp_uri):
    engine = db.make_engine(probe_db, pool_size=1)
    relay = OutboxRelay(engine, amqp_uri, "probe")
    try:
        relay.check_broker()
        assert relay._connection.connection.heartbeat == 30
        assert relay.broker_up is True
    finally:
        relay.close()
        engine.dispose()


def test_every_broker_connection_of_a_service_has_heartbeats(make_probe_env, probe_db, test_keys):
    """nameko's consumers and publishers and the outbox relay (which had heartbeat 0), as the broker sees them; on
    a vhost of its own, so no other client's connection is counted."""
    import subprocess
    amqp_uri = testing.create_vhost()
    vhost = amqp_uri.rsplit("/", 1)[1]
    process = _probe_process(make_probe_env, probe_db, amqp_uri, test_keys)
    try:
        process.start()
        assert wait_for(lambda: _broker_up(process) == 1.0, timeout=20)
        listed = subprocess.run(["rabbitmqctl", "-q", "list_connections", "vhost", "timeout"], capture_output=True,
                                text=True, timeout=60, check=True).stdout.splitlines()[1:]
        seen = [int(line.split("\t")[1]) for line in listed if line.split("\t")[0] == vhost]
        assert len(seen) >= 2 and set(seen) == {30}, seen
    finally:
        process.stop()
        testing.delete_vhost(amqp_uri)
