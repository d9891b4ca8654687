"""Test support: throwaway databases and RabbitMQ vhosts, a test signing key, service processes, gRPC clients.

Integration tests run against the machine's real PostgreSQL and RabbitMQ; each test session gets its own
databases and vhost and removes them afterwards. Services run as real processes (`python -m <svc> run`), started
and stopped by PID. The signing key below is for tests only: it is generated per test session, never stored.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import tokens

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("EKINERJA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("EKINERJA_TEST_AMQP_HOST", "127.0.0.1:5672")
AMQP_USER = os.environ.get("EKINERJA_TEST_AMQP_USER", "guest:guest")


def _port_range(start: int, end: int) -> range:
    """`EKINERJA_TEST_PORT_SLOT` "i/n" (scripts/run_tests.py, one per suite running side by side): the i-th of n
    disjoint parts of [start, end), so two suites never draw the same port; unset: all of it."""
    slot = os.environ.get("EKINERJA_TEST_PORT_SLOT", "")
    if not slot:
        return range(start, end)
    index, count = (int(part) for part in slot.split("/"))
    width = (end - start) // count
    return range(start + index * width, start + (index + 1) * width)


_given: set[int] = set()


def _ephemeral_low() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def _bindable(port: int) -> bool:
    if port in _given:  # handed out already but maybe not bound yet (a stack draws all its ports first)
        return False
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port below the kernel's ephemeral range: a port from `bind(0)` is free only until some process's outgoing
    connection takes it as its source port, which made a service started a moment later unreachable."""
    for port in random.sample(_port_range(10000, _ephemeral_low()), 200):
        if _bindable(port):
            _given.add(port)
            return port
    raise RuntimeError("no free port below the ephemeral range")


def free_port_offset(ports: list[int]) -> int:
    """An offset that moves every one of `ports` (a stack's fixed default ports) to a free port of this suite's
    range below the ephemeral range (see `free_port`): a stack started with `EKINERJA_PORT_OFFSET` once had its
    recap port in the ephemeral range, answered by nothing it started."""
    span = _port_range(10000, _ephemeral_low())
    low, high = min(ports), max(ports)
    for _ in range(200):
        offset = random.randrange(span.start - low, span.stop - high)
        moved = [port + offset for port in ports]
        if all(_bindable(port) for port in moved):
            _given.update(moved)
            return offset
    raise RuntimeError(f"no free block for ports {ports} below the ephemeral range")


# -- PostgreSQL -----------------------------------------------------------------------------------------------

def create_database(prefix: str) -> str:
    """A new empty database; its URL goes through the test PgBouncer when one is set (`through_pooler`)."""
    return through_pooler(_create_database(prefix))


def _create_database(prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))


def through_pooler(url: str) -> str:
    """`url` through the PgBouncer at 127.0.0.1:EKINERJA_TEST_PGBOUNCER_PORT when set (tests/pgbouncer runs
    service suites so), else unchanged. Databases are created, dropped and migrated straight on PostgreSQL, as the
    migration job does in production; the services and the tests' own reads go through the pooler."""
    port = os.environ.get("EKINERJA_TEST_PGBOUNCER_PORT")
    if not port:
        return url
    return sa.engine.make_url(url).set(host="127.0.0.1", port=int(port)).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrated_database(service: str) -> str:
    from .migrate import migrate
    url = _create_database(f"test_{service}")
    migrate(url, str(REPO_ROOT / "services" / service / "migrations"))
    return through_pooler(url)


# -- RabbitMQ -------------------------------------------------------------------------------------------------

def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=60)


# vhost → service → (user, password) of the per-service users `create_vhost` made (broker_users)
_BROKER_USERS: dict[str, dict[str, tuple[str, str]]] = {}


def create_vhost() -> str:
    """A fresh vhost with one broker user per service (`broker_users.provision`, as in production) and full rights
    for the test user; returns the test user's AMQP URI. Services started with it by `ServiceProcess` connect as
    their own user, and `publish_event` publishes as the producer's user."""
    from . import broker_users
    vhost = f"test-{uuid.uuid4().hex[:10]}"
    passwords = broker_users.generate_passwords()
    users = broker_users.provision(vhost, passwords, prefix=f"{vhost}-", admins=[AMQP_USER.split(":")[0]])
    _BROKER_USERS[vhost] = {service: (user, passwords[service]) for service, user in users.items()}
    return f"amqp://{AMQP_USER}@{AMQP_HOST}/{vhost}"


def register_broker_users(amqp_uri: str, users: dict[str, tuple[str, str]]) -> None:
    """Make `broker_user_uri` (so `ServiceProcess` and `publish_event`) use `users` (service → (user, password))
    for `amqp_uri`'s vhost: for a broker provisioned elsewhere (the fault suite's own node)."""
    _BROKER_USERS[amqp_uri.rsplit("/", 1)[1]] = dict(users)


def delete_vhost(amqp_uri: str) -> None:
    from . import broker_users
    vhost = amqp_uri.rsplit("/", 1)[1]
    _rabbitmqctl("delete_vhost", vhost)
    if _BROKER_USERS.pop(vhost, None) is not None:
        broker_users.deprovision(f"{vhost}-")


def broker_user_uri(amqp_uri: str, service: str) -> str:
    """`amqp_uri` with `service`'s own broker user when `create_vhost` made one for its vhost, else unchanged.
    A failover list (`amqp://a;amqp://b`, a cluster's nodes) gets the user on every URI."""
    from . import broker_users
    if ";" in amqp_uri:
        return ";".join(broker_user_uri(uri, service) for uri in amqp_uri.split(";"))
    host, vhost = amqp_uri.split("@", 1)[1].rsplit("/", 1)
    user = _BROKER_USERS.get(vhost, {}).get(service)
    return broker_users.amqp_uri(host, vhost, *user) if user else amqp_uri


# -- tokens ---------------------------------------------------------------------------------------------------

@dataclass
class TestKeys:
    """A signing key made for one test session, with its JWKS written to a file services read by URL."""

    directory: Path
    private_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    kid: str = field(default_factory=lambda: "test-" + uuid.uuid4().hex[:8])

    def __post_init__(self):
        self.jwks_path = self.directory / "jwks.json"
        self.jwks_path.write_text(json.dumps({"keys": [tokens.public_jwk(self.private_key, self.kid)]}))

    @property
    def jwks_url(self) -> str:
        return self.jwks_path.as_uri()

    def token(self, subject: str = "199001012015031001", roles=("pegawai",), **claims) -> str:
        claims.setdefault("nip", subject if subject.isdigit() else None)
        return tokens.issue_token(self.private_key, self.kid, subject=subject, roles=roles, **claims)


# -- service processes ----------------------------------------------------------------------------------------

@dataclass
class ServiceProcess:
    """A service started as `python -m <module> run` with its own ports; stopped by PID."""

    module: str
    env: dict
    grpc_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def __post_init__(self):
        # a service connects as its own broker user, as it does in production (issue 15.7)
        if "EKINERJA_AMQP_URI" in self.env:
            self.env = dict(self.env, EKINERJA_AMQP_URI=broker_user_uri(self.env["EKINERJA_AMQP_URI"], self.module))

    def start(self, wait: float = 30.0) -> "ServiceProcess":
        env = dict(os.environ)
        env.update(self.env)
        env.update({"EKINERJA_GRPC_PORT": str(self.grpc_port), "EKINERJA_HTTP_PORT": str(self.http_port),
                    "EKINERJA_BIND_HOST": "127.0.0.1"})
        self.log_path = Path(tempfile.mkstemp(prefix=f"{self.module}-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", self.module, "run"], env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        try:
            self.wait_serving(wait)
        except BaseException:
            self.kill()  # a start that failed leaves no process behind (its fixture never reaches teardown)
            raise
        return self

    def wait_serving(self, wait: float = 30.0) -> None:
        process = self.process
        if process is None:
            raise RuntimeError(f"{self.module} was not started")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {process.returncode}:\n{self.log()}")
            if health_status(f"127.0.0.1:{self.grpc_port}") == "SERVING":
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.module} not SERVING after {wait}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path else ""

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def stop(self, timeout: float = 20.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def health_status(target: str, service: str = "", timeout: float = 2.0) -> str | None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    try:
        with grpc.insecure_channel(target) as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
            return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    except grpc.RpcError:
        return None


def service_env(database_url: str, amqp_uri: str, jwks_url: str, **extra) -> dict:
    env = {"EKINERJA_DATABASE_URL": database_url, "EKINERJA_AMQP_URI": amqp_uri, "EKINERJA_JWKS_URL": jwks_url,
           "EKINERJA_NIP_HASH_KEY": "test-" + uuid.uuid4().hex, "EKINERJA_LOG_LEVEL": "INFO",
           # identity's phone-number keys (issue 19); other services ignore them
           "EKINERJA_PHONE_HASH_KEY": "test-" + uuid.uuid4().hex,
           "EKINERJA_PHONE_ENCRYPTION_KEY": "test-" + uuid.uuid4().hex,
           "EKINERJA_RELAY_INTERVAL_SECONDS": "0.05",
           # many service processes share one PostgreSQL (max_connections 100) during a test run
           "EKINERJA_MAX_WORKERS": "8"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.1):
    """`predicate()`'s first truthy value within `timeout` seconds (its last value otherwise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def relay_children(parent_pid: int) -> dict[int, str]:
    """pid → command line of a service process's relay children (`… relay <service>`, EKINERJA_RELAY_PROCESS)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent_pid and " relay " in f"{cmdline} ":
            children[int(stat.parent.name)] = cmdline.strip()
    return children


def relay_child(parent_pid: int, service: str) -> int | None:
    """The pid of `service`'s relay child once it stops on request (SIGTERM among its caught signals)."""
    for pid, cmd in relay_children(parent_pid).items():
        if cmd.endswith(f" relay {service}") and _catches(pid, signal.SIGTERM):
            return pid
    return None


def _catches(pid: int, signum: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0)
    return bool(caught & (1 << (signum - 1)))


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


@contextlib.contextmanager
def temporary_directory():
    path = Path(tempfile.mkdtemp(prefix="ekinerja-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def publish_event(amqp_uri: str, envelope: dict) -> None:
    """Publish an event envelope as a producer's relay would (for tests of consumers); declares its queues first."""
    publish_events(amqp_uri, [envelope])


def publish_events(amqp_uri: str, envelopes: list[dict]) -> None:
    """`publish_event` of each envelope (all of one producer) on one connection, with publisher confirms; a
    partitioned consumer's events carry the partition header as the relay stamps it."""
    from kombu import Connection

    from . import logs, topology
    if not envelopes:
        return
    producer_name = envelopes[0]["producer"]
    partitioned = {key for _, _, key in topology.exchange_bindings(producer_name)}
    with Connection(broker_user_uri(amqp_uri, producer_name), transport_options={"confirm_publish": True}) as conn:
        topology.declare(conn.default_channel, topology.queues_for_producer(producer_name))
        topology.declare_partitions(conn.default_channel, producer_name)
        producer = conn.Producer(serializer="json")
        for envelope in envelopes:
            assert envelope["producer"] == producer_name, "one producer per call"
            headers = None
            if envelope["event_type"] in partitioned:
                headers = {topology.PARTITION_HEADER: topology.partition_key(
                    envelope.get("nip"), envelope["event_id"], logs.nip_hash_key())}
            producer.publish(
                envelope, exchange=f"{producer_name}.events", routing_key=envelope["event_type"],
                message_id=envelope["event_id"], delivery_mode=2, declare=[topology.event_exchange(producer_name)],
                user_id=conn.userid, headers=headers)


def rabbitmqctl_rows(*args: str) -> list[list[str]]:
    """The tab-separated rows of a `rabbitmqctl -q --no-table-headers` listing (e.g. list_consumers)."""
    result = subprocess.run(["rabbitmqctl", "-q", "--no-table-headers", *args], capture_output=True, text=True,
                            timeout=60, check=True)
    return [line.split("\t") for line in result.stdout.splitlines() if line.strip()]


class TcpProxy:
    """Forwards a local port to a server (PostgreSQL by default, or the broker); `stop()` cuts every connection and
    refuses new ones, so a service behind it sees an outage without the shared server being touched; `start()`
    again ends the outage (same port)."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        self.port = free_port()
        self.running = False
        self.sockets = []

    def start(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(50)
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.running:  # accepted while stopping: the outage has begun
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def stop(self):
        self.running = False
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept(); close() alone may not
        except OSError:
            pass
        self.server.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets = []


def concurrently(call, times: int = 8) -> list:
    """Run `call()` from `times` threads released together (a barrier); the answers, exceptions included. For
    races such as concurrent retries with one idempotency key."""
    start, answers = threading.Barrier(times), []

    def one():
        start.wait()
        try:
            answers.append(call())
        except Exception as exc:  # noqa: BLE001 - callers assert there are none
            answers.append(exc)
    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def scalar(db_url: str, sql: str, **params):
    """One value from the database at `db_url` (a test's look at what a service wrote)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def retried_alike(send, send_other) -> object:
    """The house rule of a keyed write (`ekinerja_platform.idempotency`), over gRPC: `send()` a second time in a
    row and then from several threads at once answers with the first answer every time; `send_other()` (the same
    key, another request) is FAILED_PRECONDITION on `idempotency_key`. Returns the first answer; the caller checks
    that there was one write."""
    import grpc  # only the gRPC tests need it

    first = send()
    answers = [send(), *concurrently(send)]
    assert all(type(a) is type(first) for a in answers), answers
    assert {a.SerializeToString() for a in answers} == {first.SerializeToString()}, answers
    try:
        send_other()
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION and "idempotency_key" in exc.details(), exc
    else:
        raise AssertionError("the same key with another request was applied")
    return first


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: str  # SERVER, CLIENT, PRODUCER, CONSUMER, INTERNAL
    trace_id: str  # hex
    span_id: str
    parent_span_id: str  # "" for a root span
    attributes: dict


class OtlpReceiver:
    """A tiny OpenTelemetry collector for tests: takes OTLP/HTTP protobuf exports (POST /v1/traces) on a free port
    and keeps the spans, so services running as processes can be followed by their trace ids."""

    def __init__(self):
        self.spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        self._server = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self, **extra) -> dict:
        """The standard variables that send a service's spans here, exported every 100 ms."""
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint, "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_BSP_SCHEDULE_DELAY": "100", **extra}

    def start(self) -> "OtlpReceiver":
        import gzip
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                receiver._add(request)
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _add(self, request) -> None:
        from opentelemetry.proto.trace.v1 import trace_pb2
        kinds = {v: k.removeprefix("SPAN_KIND_") for k, v in trace_pb2.Span.SpanKind.items()}
        received = []
        for resource_spans in request.resource_spans:
            attrs = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(ReceivedSpan(
                        attrs.get("service.name", ""), span.name, kinds.get(span.kind, str(span.kind)),
                        span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex(),
                        {a.key: _otlp_value(a.value) for a in span.attributes}))
        with self._lock:
            self.spans.extend(received)

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [span for span in self.spans if span.trace_id == trace_id]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _otlp_value(value):
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None
