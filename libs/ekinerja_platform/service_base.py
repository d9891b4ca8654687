"""What every e-Kinerja nameko service hosts besides its own API: health, reflection, metrics, the outbox relay.

A service class inherits `PlatformService`, declares `name`, `authorization` and its own entrypoints, and gets:
`grpc.health.v1.Health` (Check reports readiness: the service's database answers), server reflection,
`/metrics`, `/alive` and `/ready` on its HTTP port, and a relay publishing its outbox.
"""
from __future__ import annotations

import logging
import random
import time

import eventlet
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.reflection import ReflectionServicer
from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from . import retention, runtime, tracing
from .db import Database
from .domain_errors import quote
from .grpc_entrypoint import RequestContext, grpc_for
from .relay import OutboxRelay
from .worker_pools import health_http

log = logging.getLogger(__name__)
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
health_rpc = grpc_for(health_pb2_grpc.HealthStub)
reflection_rpc = grpc_for(reflection_pb2_grpc.ServerReflectionStub)


class Readiness(DependencyProvider):
    """Ready = can serve its RPCs = its database answers; cached for a second so probes stay cheap.

    The broker is not asked: every RPC works without it (events wait in the outbox), and a broker outage made every
    service NOT_SERVING at once, each probe opening a fresh AMQP connection. Broker reachability is the gauge
    `ekinerja_broker_up`, kept by the relay from the connection it holds, and the alert EkinerjaBrokerUnreachable."""

    cache_seconds = 1.0

    def setup(self):
        self._checked_at = 0.0
        self._ready = False
        self._reason = "not checked"

    def _check(self, db) -> tuple[bool, str]:
        try:
            with eventlet.Timeout(3):
                db.ping()
        except BaseException as exc:  # eventlet.Timeout is a BaseException
            return False, f"database unreachable: {type(exc).__name__}"
        return True, "ready"

    def status(self, db) -> tuple[bool, str]:
        if time.monotonic() - self._checked_at > self.cache_seconds:
            self._ready, self._reason = self._check(db)
            self._checked_at = time.monotonic()
        return self._ready, self._reason

    def get_dependency(self, worker_ctx):
        return self  # `status(db)`; one object for every worker (a class per worker cost every request)


class RelayRunner(DependencyProvider):
    """Runs the outbox relay for the lifetime of the container: in a managed green thread, or, with
    `EKINERJA_RELAY_PROCESS=true`, in a supervised child process (see `relay_process.py`)."""

    def setup(self):
        self._stopping = False
        self.relay = None
        self.child = None

    @property
    def in_process(self) -> bool:
        """True when the relay runs in this process's green thread (`self.relay` relays)."""
        return self.child is None

    def start(self):
        settings = runtime.settings()
        from .db import make_engine
        self._engine = make_engine(settings.sqlalchemy_url, pool_size=2, pre_ping=False)  # a failed round is retried
        self.relay = OutboxRelay(self._engine, settings.amqp_uri, self.container.service_name,
                                 batch_size=settings.relay_batch_size, lanes=settings.relay_lanes)
        if settings.relay_process and runtime.main_module():
            from .relay_process import RelayChild
            self.child = RelayChild(runtime.main_module(), self.container.service_name, eventlet.sleep)
            self.container.spawn_managed_thread(
                lambda: self.child.supervise(lambda fn: self.container.spawn_managed_thread(fn, "relay-output")),
                identifier="outbox-relay-process")
            self.container.spawn_managed_thread(self._keep_backlog_gauges, identifier="outbox-backlog")
            return
        self.container.spawn_managed_thread(
            lambda: self.relay.run(lambda: self._stopping, idle_sleep=settings.relay_interval_seconds,
                                   sleep=eventlet.sleep),
            identifier="outbox-relay")

    def _keep_backlog_gauges(self):
        while not self._stopping:
            try:
                self.relay.update_backlog_gauges()
            except Exception:  # the database may be away for a while; the gauges just age
                log.warning("outbox backlog gauges not updated", exc_info=True)
            eventlet.sleep(5)

    def stop(self):
        self._stopping = True
        if self.child is not None:
            self.child.stop()
        if self.relay is not None:
            self.relay.close()
        self._engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.relay


class RetentionRunner(DependencyProvider):
    """Purges expired rows (`retention.py`) every `EKINERJA_RETENTION_INTERVAL_SECONDS` in a managed green thread,
    with its own one-connection engine; the service class adds its own tables with `extra_retention_rules()`."""

    def setup(self):
        self._stopping = False
        self._engine = None
        self.settings = retention.load_retention_settings()

    def start(self):
        if self.settings.interval_seconds == 0:
            return
        from .db import make_engine
        self._engine = make_engine(runtime.settings().sqlalchemy_url, pool_size=1)
        rules = retention.platform_rules(self.settings) + list(self.container.service_cls.extra_retention_rules())
        self.container.spawn_managed_thread(lambda: self._run(rules), identifier="retention")

    def _run(self, rules):
        while not self._stopping:
            eventlet.sleep(self.settings.interval_seconds * random.uniform(0.9, 1.1))  # replicas drift apart
            if self._stopping:
                break
            try:
                retention.purge(self._engine, rules, self.settings.batch_size, pause=lambda: eventlet.sleep(0.05),
                                service=self.container.service_name)
            except Exception:  # the database may be away for a while; the next round catches up
                log.warning("retention round failed", exc_info=True)

    def stop(self):
        self._stopping = True
        if self._engine is not None:
            self._engine.dispose()

    def kill(self):
        self.stop()


class WorkerSpans(DependencyProvider):
    """A span around every worker while tracing is configured (tracing.py); nothing at all otherwise."""

    def worker_setup(self, worker_ctx):
        tracing.worker_started(worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        tracing.worker_result(worker_ctx, result, exc_info)

    def worker_teardown(self, worker_ctx):
        tracing.worker_ended(worker_ctx)


class PlatformService:
    """Base of every service class: subclasses set `name`, `grpc_services` (full names) and `authorization`."""

    name = "platform"
    grpc_services: tuple[str, ...] = ()
    authorization: dict = {}

    db = Database(runtime.settings)
    call = RequestContext()
    readiness = Readiness()
    relay = RelayRunner()
    purger = RetentionRunner()
    spans = WorkerSpans()  # a span per call and per consumed event, when tracing is configured (tracing.py)

    @classmethod
    def extra_retention_rules(cls) -> list:
        """The service's own time-limited tables (`retention.PurgeRule`s), purged with the platform's."""
        return []

    # -- grpc.health.v1.Health ----------------------------------------------------------------------------------
    def _health(self, service_name: str) -> int:
        from grpc import StatusCode
        from nameko_grpc.errors import GrpcError
        if service_name and service_name not in self.grpc_services:
            raise GrpcError(StatusCode.NOT_FOUND, f"layanan tidak dikenal: {quote(service_name)}")
        ready, reason = self.readiness.status(self.db)
        if not ready:
            log.warning("not ready: %s", reason)
        return SERVING if ready else NOT_SERVING

    @health_rpc
    def Check(self, request, context):
        return health_pb2.HealthCheckResponse(status=self._health(request.service))

    @health_rpc
    def Watch(self, request, context):
        """Streams the status whenever it changes (checked every second) until the client goes away."""
        last = None
        while True:
            status = self._health(request.service)
            if status != last:
                yield health_pb2.HealthCheckResponse(status=status)
                last = status
            eventlet.sleep(1)  # a Watch runs in the health pool, bounded by EKINERJA_GRPC_MAX_WATCHES and ended
            # (its worker killed) when the client leaves or after EKINERJA_GRPC_STREAM_MAX_SECONDS

    # -- server reflection ----------------------------------------------------------------------------------------
    @reflection_rpc
    def ServerReflectionInfo(self, request_iterator, context):
        names = tuple(self.grpc_services) + (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                                             reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name)
        return ReflectionServicer(names).ServerReflectionInfo(request_iterator, context)

    # -- HTTP: metrics, liveness, readiness ----------------------------------------------------------------------
    @health_http("GET", "/metrics")  # the health pool: answered while business workers are busy
    def metrics(self, request):
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    @health_http("GET", "/alive", when_busy=(200, "alive\n"))  # answering at all is the proof
    def alive(self, request):
        return 200, "alive\n"

    @health_http("GET", "/ready")
    def ready(self, request):
        ready, reason = self.readiness.status(self.db)
        return (200 if ready else 503), reason + "\n"
