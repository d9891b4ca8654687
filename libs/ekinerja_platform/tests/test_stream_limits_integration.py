"""No stream starves a service (issue 15.1) and connections are bounded (15.6), against a real service process.

The probe runs with small pools and limits so that a handful of streams reaches each of them.
"""
import re
import socket
import time

import grpc
import h2.config
import h2.connection
import h2.errors
import h2.events
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ekinerja_platform import testing
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration

LIMITS = {
    "EKINERJA_MAX_WORKERS": "4",
    "EKINERJA_HEALTH_WORKERS": "2",
    "EKINERJA_GRPC_MAX_WATCHES": "4",
    "EKINERJA_GRPC_STREAM_WORKERS": "3",
    "EKINERJA_GRPC_STREAMS_PER_CONNECTION": "4",
    "EKINERJA_GRPC_STREAMS_PER_PEER": "6",
    "EKINERJA_GRPC_STREAM_IDLE_SECONDS": "1.5",
    "EKINERJA_GRPC_STREAM_MAX_SECONDS": "120",
    "EKINERJA_GRPC_CONNECTION_IDLE_SECONDS": "2",
    "EKINERJA_GRPC_KEEPALIVE_MIN_PING_INTERVAL_SECONDS": "5",
    "EKINERJA_GRPC_MAX_PING_STRIKES": "2",
}
WATCH = "/grpc.health.v1.Health/Watch"
COLLECT = "/ekinerja.probe.v1.ProbeService/Collect"


@pytest.fixture(scope="module")
def limited(make_probe_env, probe_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("probe_main", make_probe_env(probe_db, amqp_uri, test_keys.jwks_url, **LIMITS))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def pb(probe_gen):
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
    return probe_pb2, probe_pb2_grpc


@pytest.fixture(scope="module")
def auth(test_keys):
    return testing.bearer(test_keys.token(subject="199001012015031001", roles=["pegawai"], instansi="i-1"))


def metric(process, name: str, **labels) -> float:
    """The value of one sample on the process's /metrics (0 when absent)."""
    text = requests.get(f"http://127.0.0.1:{process.http_port}/metrics", timeout=5).text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def busy(process, pool: str) -> int:
    """Workers busy in `pool`, not counting the one answering this /metrics request (health pool)."""
    value = metric(process, "ekinerja_workers_busy", service="probe", pool=pool)
    return int(value) - (1 if pool == "health" else 0)


class RawClient:
    """A bare HTTP/2 client: it opens calls, pings, and leaves without a word, as an abusive client may."""

    def __init__(self, target: str, source: str | None = None):
        host, port = target.rsplit(":", 1)
        self.target = target
        self.sock = socket.create_connection((host, int(port)), timeout=10,
                                             source_address=(source, 0) if source else None)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.conn.initiate_connection()
        self.flush()
        self.trailers: dict[int, dict] = {}
        self.data: dict[int, bytes] = {}
        self.goaway = None
        self.closed = False

    def flush(self):
        self.sock.sendall(self.conn.data_to_send())

    def open(self, path: str, message: bytes | None = b"", end: bool = False, headers=()) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":method", "POST"), (":scheme", "http"), (":path", path),
                                           (":authority", self.target), ("content-type", "application/grpc"),
                                           ("te", "trailers"), *headers])
        if message is not None:
            self.send(stream_id, message, end)
        self.flush()
        return stream_id

    def send(self, stream_id: int, message: bytes, end: bool = False):
        self.conn.send_data(stream_id, b"\0" + len(message).to_bytes(4, "big") + message, end_stream=end)
        self.flush()

    def ping(self):
        self.conn.ping(b"12345678")
        self.flush()

    def pump(self, wait: float) -> None:
        """Read what the server sends for up to `wait` seconds (or until it closes the connection)."""
        deadline = time.monotonic() + wait
        while not self.closed and time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65535)
            except (socket.timeout, TimeoutError):
                return
            except OSError:
                self.closed = True
                return
            if not chunk:
                self.closed = True
                return
            for event in self.conn.receive_data(chunk):
                if isinstance(event, h2.events.DataReceived):
                    self.data[event.stream_id] = self.data.get(event.stream_id, b"") + event.data
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, (h2.events.TrailersReceived, h2.events.ResponseReceived)):
                    headers = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes)
                                                                             else v) for k, v in event.headers}
                    self.trailers.setdefault(event.stream_id, {}).update(headers)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    self.goaway = event
            try:
                self.flush()
            except OSError:
                self.closed = True

    def status(self, stream_id: int, wait: float = 10.0) -> tuple[str | None, str]:
        deadline = time.monotonic() + wait
        while "grpc-status" not in self.trailers.get(stream_id, {}) and time.monotonic() < deadline \
                and not self.closed:
            self.pump(0.2)
        trailers = self.trailers.get(stream_id, {})
        return trailers.get("grpc-status"), requests.utils.unquote(trailers.get("grpc-message", ""))

    def close(self):
        self.sock.close()


def _watch(channel):
    """A held Health/Watch stream: its first answer read (or its refusal raised)."""
    stream = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=60)
    next(stream)
    return stream


def test_forty_held_anonymous_watch_streams_leave_health_alive_and_business_calls_answered(limited, pb, auth):
    channels = [grpc.insecure_channel(limited.target) for _ in range(40)]
    held, refused = [], []
    try:
        for channel in channels:
            try:
                held.append(_watch(channel))
            except grpc.RpcError as error:
                refused.append(error)
        assert len(held) == 4  # EKINERJA_GRPC_MAX_WATCHES
        assert {error.code() for error in refused} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
        assert all("terlalu banyak" in error.details() for error in refused)
        assert busy(limited, "health") == 4

        probe = grpc.insecure_channel(limited.target)
        check = health_pb2_grpc.HealthStub(probe).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert check.status in (health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING)
        assert requests.get(f"http://127.0.0.1:{limited.http_port}/alive", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{limited.http_port}/ready", timeout=5).status_code in (200, 503)
        echoes = [pb[1].ProbeServiceStub(probe).Echo(pb[0].EchoRequest(text=str(i)), metadata=auth, timeout=5)
                  for i in range(10)]
        assert [e.text for e in echoes] == [str(i) for i in range(10)]
        probe.close()
        assert busy(limited, "health") == 4  # still held
    finally:
        for channel in channels:
            channel.close()
    # the clients left: their Watch workers are freed
    assert wait_for(lambda: busy(limited, "health") == 0, 10)


def test_a_client_that_opens_streams_and_vanishes_frees_their_workers(limited):
    cancelled_before = metric(limited, "ekinerja_grpc_streams_ended_total", service="probe", reason="cancelled")
    clients = [RawClient(limited.target) for _ in range(4)]
    for client in clients:
        client.open(WATCH, b"", end=True)
    for client in clients:
        client.pump(0.5)
    assert wait_for(lambda: busy(limited, "health") == 4, 10)
    for client in clients:  # gone without a RST_STREAM or GOAWAY: the socket just closes
        client.close()
    assert wait_for(lambda: busy(limited, "health") == 0, 10)
    assert wait_for(lambda: metric(limited, "ekinerja_grpc_streams_ended_total", service="probe",
                                   reason="cancelled") >= cancelled_before + 4, 10)
    assert metric(limited, "ekinerja_grpc_streams_open", service="probe") == 0


def test_a_cancelled_client_stream_frees_its_worker_at_once_and_is_not_taken_as_complete(limited, pb, auth):
    channel = grpc.insecure_channel(limited.target)
    stub = pb[1].ProbeServiceStub(channel)
    cancelled_before = metric(limited, "ekinerja_grpc_streams_ended_total", service="probe", reason="cancelled")

    def messages():
        yield pb[0].EchoRequest(text="a")
        time.sleep(30)  # the client never ends its stream; it cancels it below

    calls = [stub.Collect.future(messages(), metadata=auth, timeout=60) for _ in range(3)]
    assert wait_for(lambda: busy(limited, "stream") == 3, 10)
    for call in calls:
        call.cancel()  # RST_STREAM CANCEL: before the idle limit (1.5 s) could end them
    assert wait_for(lambda: busy(limited, "stream") == 0, 10)
    # ended by the cancel (at once), not by the idle limit (1.5 s later: reason "deadline")
    assert metric(limited, "ekinerja_grpc_streams_ended_total", service="probe",
                  reason="cancelled") >= cancelled_before + 3
    # no Collect answered OK: a cancelled stream is not the normal end of the client's input
    assert metric(limited, "ekinerja_grpc_requests_total", service="probe", method="Collect", code="OK") == 0
    channel.close()


def test_a_client_stream_cut_by_its_deadline_is_never_taken_for_complete(limited, pb, auth):
    def ok_answers():
        return metric(limited, "ekinerja_grpc_requests_total", service="probe", method="Collect", code="OK")

    before = ok_answers()
    client = RawClient(limited.target)
    stream_id = client.open(COLLECT, pb[0].EchoRequest(text="a").SerializeToString(),
                            headers=[("grpc-timeout", "500m"), *auth])  # the client never ends its input
    assert client.status(stream_id, 10)[0] == "4"
    client.close()
    assert wait_for(lambda: busy(limited, "stream") == 0, 10)
    assert ok_answers() == before  # the handler saw DEADLINE_EXCEEDED, not the end of its input


def test_an_idle_client_stream_is_ended_and_a_finished_one_answered(limited, pb, auth):
    client = RawClient(limited.target)
    idle = client.open(COLLECT, pb[0].EchoRequest(text="a").SerializeToString(), headers=auth)
    assert client.status(idle, 15) == ("4", "aliran ditutup karena tidak ada pesan selama 1.5 detik")
    finished = client.open(COLLECT, pb[0].EchoRequest(text="a").SerializeToString(), headers=auth)
    client.send(finished, pb[0].EchoRequest(text="b").SerializeToString(), end=True)
    assert client.status(finished, 10) == ("0", "")
    assert pb[0].EchoResponse.FromString(client.data[finished][5:]).text == "a,b"
    client.close()
    assert wait_for(lambda: busy(limited, "stream") == 0, 10)


def test_an_idle_reflection_stream_is_ended_and_an_active_one_answered(limited):
    from grpc_reflection.v1alpha import reflection_pb2
    client = RawClient(limited.target)
    path = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
    idle = client.open(path, None)  # headers only: the stream is open, nothing asked
    active = client.open(path, reflection_pb2.ServerReflectionRequest(list_services="").SerializeToString(), end=True)
    assert client.status(active, 10) == ("0", "")
    assert b"ekinerja.probe.v1.ProbeService" in client.data[active]
    assert client.status(idle, 15) == ("4", "aliran ditutup karena tidak ada pesan selama 1.5 detik")
    client.close()
    assert wait_for(lambda: busy(limited, "stream") == 0, 10)


def test_a_peer_over_its_stream_limit_is_refused_while_other_peers_and_its_unary_calls_still_work(limited, pb,
                                                                                                    auth):
    clients = [RawClient(limited.target) for _ in range(2)]
    try:
        held = [clients[0].open(WATCH, b"", end=True) for _ in range(4)]  # 4 per connection
        over_connection = clients[0].open(WATCH, b"", end=True)
        assert clients[0].status(over_connection, 10) == (
            "8", "terlalu banyak aliran (stream) terbuka pada satu koneksi; tutup aliran yang tidak dipakai")
        held += [clients[1].open(COLLECT, b"", headers=auth) for _ in range(2)]  # 6 from this peer
        clients[1].pump(0.5)
        over_peer = clients[1].open(COLLECT, b"", headers=auth)
        assert clients[1].status(over_peer, 10) == (
            "8", "terlalu banyak aliran (stream) terbuka dari alamat Anda; tutup aliran yang tidak dipakai")
        assert metric(limited, "ekinerja_grpc_streams_refused_total", service="probe", limit="per_peer") >= 1

        # another address gets its stream; this one still gets its unary calls answered
        other = RawClient(limited.target, source="127.0.0.2")
        stream = other.open(COLLECT, pb[0].EchoRequest(text="other").SerializeToString(), end=True, headers=auth)
        assert other.status(stream, 10) == ("0", "")
        other.close()
        with grpc.insecure_channel(limited.target) as channel:
            assert pb[1].ProbeServiceStub(channel).Echo(pb[0].EchoRequest(text="x"), metadata=auth,
                                                        timeout=5).text == "x"
        assert all(client.trailers.get(stream_id, {}).get("grpc-status") is None
                   for client, stream_id in [(clients[0], s) for s in held[:4]])
    finally:
        for client in clients:
            client.close()
    assert wait_for(lambda: metric(limited, "ekinerja_grpc_streams_open", service="probe") == 0, 10)


def test_a_client_pinging_too_often_gets_goaway_enhance_your_calm(limited):
    client = RawClient(limited.target)
    pings = 0
    while client.goaway is None and pings < 10:
        client.ping()
        pings += 1
        client.pump(0.3)  # 4 pings well inside the 5 s minimum interval
    client.pump(5)
    assert client.goaway is not None
    assert client.goaway.error_code == h2.errors.ErrorCodes.ENHANCE_YOUR_CALM
    assert client.goaway.additional_data == b"too_many_pings"
    assert pings == 4  # the first is free, strikes 1 and 2 are tolerated, the third is one too many
    assert client.closed
    client.close()


def test_an_idle_connection_gets_goaway_and_is_closed(limited):
    client = RawClient(limited.target)
    client.pump(10)  # nothing asked: the server closes after EKINERJA_GRPC_CONNECTION_IDLE_SECONDS (2 s)
    assert client.goaway is not None and client.goaway.error_code == h2.errors.ErrorCodes.NO_ERROR
    assert client.closed
    client.close()
    # a grpcio channel whose connection was closed this way simply reconnects
    with grpc.insecure_channel(limited.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        time.sleep(3)
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)


def test_a_stream_open_longer_than_the_maximum_is_ended(make_probe_env, probe_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("probe_main", make_probe_env(
        probe_db, amqp_uri, test_keys.jwks_url, EKINERJA_GRPC_STREAM_MAX_SECONDS="2", EKINERJA_MAX_WORKERS="2"))
    process.start()
    try:
        client = RawClient(process.target)
        watch = client.open(WATCH, b"", end=True)
        assert client.status(watch, 15) == ("4", "aliran ditutup karena melewati durasi maksimum 2 detik")
        assert client.data.get(watch)  # it had answered (the status) before it was ended
        client.close()
        assert wait_for(lambda: busy(process, "health") == 0, 10)
    finally:
        process.stop()


def test_streams_cancelled_one_after_another_leave_their_connection_working(limited):
    """Each cancel kills a worker, some before they ever ran; the kill must not disturb the connection's own loop
    (eventlet's kill from the loop's green thread once woke its select with a stray answer: the connection died and
    every call on it got UNAVAILABLE)."""
    client = RawClient(limited.target)
    for i in range(60):
        stream_id = client.open(WATCH, b"", end=True)
        client.pump(0.001 * (i % 4))
        client.conn.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        client.flush()
    check = client.open("/grpc.health.v1.Health/Check", b"", end=True)
    assert client.status(check, 10)[0] == "0"
    assert not client.closed
    client.close()
    assert wait_for(lambda: busy(limited, "health") == 0, 10)


def test_stopping_ends_open_ended_streams_with_unavailable_and_exits_cleanly(make_probe_env, probe_db, amqp_uri,
                                                                              test_keys, pb, auth):
    import signal
    process = testing.ServiceProcess("probe_main", make_probe_env(probe_db, amqp_uri, test_keys.jwks_url,
                                                                  EKINERJA_MAX_WORKERS="2"))
    process.start()
    try:
        client = RawClient(process.target)
        watch = client.open(WATCH, b"", end=True)
        upload = client.open(COLLECT, pb[0].EchoRequest(text="a").SerializeToString(), headers=auth)
        client.pump(0.5)
        process.process.send_signal(signal.SIGTERM)
        stopping = "layanan sedang berhenti; coba lagi sebentar lagi"
        assert client.status(watch, 15) == ("14", stopping)
        assert client.status(upload, 15) == ("14", stopping)
        assert process.process.wait(30) == 0
        client.close()
    finally:
        process.stop()
