"""The gRPC entrypoint every service uses, built on nameko-grpc with the hazards of DESIGN §3 closed.

- Metadata allow-list: client metadata never becomes nameko context data as such (context data is forwarded
  in AMQP headers); only a correlation id, an idempotency key and the principal of a *verified* token do.
- Every RPC must have an authorisation rule in its service's `authorization` table; a missing rule stops start-up.
- Errors go through the one mapping table; unmapped ones reach the client as INTERNAL with a correlation id.
- Requests larger than the configured size are refused with RESOURCE_EXHAUSTED before they are parsed; every
  decoded request (each message of a client stream too) is checked against `request_limits` before any work, and
  one that does not decode is INVALID_ARGUMENT.
- Every error carries google.rpc details (`error_details`). While the service stops, calls in flight finish and
  new ones get UNAVAILABLE (reason SERVER_STOPPING), never UNIMPLEMENTED.
- Per-RPC counters by status code and latency histograms.
- A unary-answer RPC may return a `PendingAnswer` (pending.py): its worker ends at once and the call is answered
  (status, metrics and all) when the answer is settled.
- Every change to nameko-grpc, h2 and hpack underneath (wake-ups, deadlines as timers, the size limit, ...) lives in
  `transport_patches`, installed by the runner at start.
"""
from __future__ import annotations

import re
import time
import uuid
from functools import partial

from grpc import StatusCode
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko_grpc.constants import Cardinality
from nameko_grpc.context import GrpcContext
from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError

from . import error_details, logs, metrics, request_limits, runtime, stream_guard, tracing, worker_pools
from .domain_errors import DomainError, Unauthenticated
from .grpc_errors import to_grpc_error
from .pending import PendingAnswer
from .stream_limits import POOL_FULL, TOO_MANY_WATCHES
from .tokens import Principal, bearer_token, check_delegation
from .transport_patches import PlatformGrpcServer, stopping_error

PUBLIC = "public"  # authorisation rule: callable without a token (Login, health, reflection)
AUTHENTICATED = "authenticated"  # any verified caller; finer rules are applied by the use case
PLATFORM_RULES = {"Check": PUBLIC, "Watch": PUBLIC, "ServerReflectionInfo": PUBLIC}

_HEALTH_PATHS = frozenset({"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"})
_CORRELATION_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class GrpcEndpoint(Grpc):
    grpc_server = PlatformGrpcServer()

    def __init__(self, stub, **kwargs):
        kwargs.setdefault("expected_exceptions", (DomainError,))  # a client's mistake is not a server error
        super().__init__(stub, **kwargs)

    def setup(self):
        rule = self.rule
        if rule is None:
            raise RuntimeError(f"{self.container.service_name}.{self.method_name} has no authorisation rule")
        # the pool the calls run in (worker_pools.py): health apart, streams apart from unary business calls
        self.streaming = self.cardinality != Cardinality.UNARY_UNARY
        if self.method_path in _HEALTH_PATHS:
            self.pool = worker_pools.HEALTH
        else:
            self.pool = worker_pools.STREAM if self.streaming else worker_pools.BUSINESS
        self.watch = self.streaming and self.pool == worker_pools.HEALTH
        super().setup()

    def stop(self):
        """Before nameko stops taking calls: streams without an end of their own (Watch, reflection, an upload
        still open) end now with UNAVAILABLE, and the workers of the health and stream pools finish (nameko only
        waits for its own pool, then closes the database)."""
        stream_guard.stop_streams(stopping_error())
        worker_pools.wait(self.container)
        super().stop()

    @property
    def rule(self):
        if self.method_name in PLATFORM_RULES:
            return PLATFORM_RULES[self.method_name]
        table = getattr(self.container.service_cls, "authorization", {})
        return table.get(self.method_name)

    def _record(self, started, code):
        service = self.container.service_name
        metrics.GRPC_REQUESTS.labels(service, self.method_name, code.name).inc()
        metrics.GRPC_LATENCY.labels(service, self.method_name).observe(time.perf_counter() - started)
        tracing.set_grpc_status(code)

    def _context_data(self, metadata) -> dict:
        metadata = list(metadata)
        values = {name.lower(): value for name, value in metadata}
        correlation_id = values.get("x-correlation-id")
        if not (isinstance(correlation_id, str) and _CORRELATION_RE.match(correlation_id)):
            correlation_id = uuid.uuid4().hex
        data: dict[str, object] = {"correlation_id": correlation_id}
        if tracing.enabled():  # the caller's trace, continued by the server span (service_base.WorkerSpans)
            traceparent = tracing.valid_traceparent(values.get(tracing.TRACEPARENT))
            if traceparent is not None:
                data[tracing.TRACEPARENT] = traceparent
        key = values.get("x-idempotency-key")
        if isinstance(key, str) and key:
            if not _IDEMPOTENCY_RE.match(key):
                raise _InvalidMetadata("x-idempotency-key must be 1-128 letters, digits or ._:-")
            data["idempotency_key"] = key
        token = bearer_token(metadata)
        if token is not None:
            verifier = runtime.verifier()
            if verifier is None:
                raise Unauthenticated("this service cannot verify tokens", field="authorization")
            principal = verifier.verify(token)
            check_delegation(principal, self.method_path)
            data["principal"] = principal.as_context()
        elif self.rule != PUBLIC:
            raise Unauthenticated("a bearer token is required", field="authorization")
        return data

    def handle_request(self, request_stream, response_stream):
        started = time.perf_counter()
        try:
            context_data = self._context_data(request_stream.headers.for_application)
            context_data["peer"] = getattr(request_stream, "peer", None)
        except (DomainError, _InvalidMetadata) as exc:
            error = (error_details.error(StatusCode.INVALID_ARGUMENT, str(exc), "INVALID_METADATA")
                     if isinstance(exc, _InvalidMetadata) else to_grpc_error(exc))
            request_stream.close()
            response_stream.close(error)
            self._record(started, error.code)
            return

        request = request_stream.consume(self.input_type)
        if self.cardinality in (Cardinality.UNARY_STREAM, Cardinality.UNARY_UNARY):
            try:
                try:
                    request = next(request)
                except GrpcError:
                    raise
                except Exception:
                    raise request_limits.MalformedRequest() from None
                request_limits.check(request)
            except (GrpcError, DomainError) as exc:
                error = to_grpc_error(exc)
                request_stream.close()
                response_stream.close(error)
                self._record(started, error.code)
                return
        else:
            request = request_limits.checked_stream(request)

        context = GrpcContext(request_stream, response_stream)
        handle_result = partial(self.handle_result, response_stream, started)
        guard = getattr(response_stream, "guard", None)
        if guard is not None and guard.ended:  # the client left before the call got a worker
            return
        try:
            worker = worker_pools.spawn_worker(self.container, self.pool, self, (request, context), {},
                                               context_data=context_data, handle_result=handle_result,
                                               watch=self.watch)
        except ContainerBeingKilled:
            error = stopping_error()
            response_stream.close(error)
            self._record(started, error.code)
            return
        except worker_pools.PoolFull:
            error = GrpcError(StatusCode.RESOURCE_EXHAUSTED, TOO_MANY_WATCHES if self.watch else POOL_FULL)
            request_stream.close()
            response_stream.close(error)
            self._record(started, error.code)
            return
        if guard is not None:
            guard.worker = worker

    def handle_result(self, response_stream, started, worker_ctx, result, exc_info):
        if (exc_info is None and isinstance(result, PendingAnswer)
                and self.cardinality in (Cardinality.STREAM_UNARY, Cardinality.UNARY_UNARY)):
            # answered when settled; the worker ends now (a streaming RPC cannot iterate one: INTERNAL below)
            result.when_done(partial(self._answer_pending, response_stream, started, worker_ctx))
            return result, exc_info
        correlation_id = worker_ctx.context_data.get("correlation_id")
        if exc_info is not None:
            error = to_grpc_error(exc_info[1], correlation_id)
            response_stream.close(error)
            self._record(started, error.code)
            return result, exc_info

        if self.cardinality in (Cardinality.STREAM_UNARY, Cardinality.UNARY_UNARY):
            items = (result,)
        else:
            items = self._mapped_stream(result, correlation_id)
        try:
            response_stream.populate(items)
            self._record(started, StatusCode.OK)
        except Exception as exc:
            error = to_grpc_error(exc, correlation_id)
            response_stream.close(error)
            self._record(started, error.code)
        return result, exc_info

    def _answer_pending(self, response_stream, started, worker_ctx, response, error):
        self.handle_result(response_stream, started, worker_ctx, response, None if error is None else _exc_info(error))

    @staticmethod
    def _mapped_stream(result, correlation_id):
        try:
            yield from result
        except Exception as exc:
            raise to_grpc_error(exc, correlation_id) from None


def _exc_info(error: BaseException) -> tuple:
    return type(error), error, error.__traceback__


class _InvalidMetadata(Exception):
    pass


class RequestContext(DependencyProvider):
    """Gives a worker its caller (`principal`), correlation id and idempotency key; sets the log correlation id."""

    def worker_setup(self, worker_ctx):
        logs.set_correlation_id(worker_ctx.context_data.get("correlation_id"))

    def worker_teardown(self, worker_ctx):
        logs.set_correlation_id(None)

    def get_dependency(self, worker_ctx):
        return CallContext(worker_ctx.context_data)


class CallContext:
    def __init__(self, data: dict):
        self.correlation_id = data.get("correlation_id")
        self.idempotency_key = data.get("idempotency_key")
        self.peer = data.get("peer")  # client IP address from the socket (for per-source rate limits)
        self.principal = Principal.from_context(data.get("principal"))

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("a bearer token is required", field="authorization")
        return self.principal


def grpc_for(stub):
    """Decorator factory: `rpc = grpc_for(FooServiceStub)` then `@rpc` on each servicer method."""
    return GrpcEndpoint.implementing(stub)


__all__ = ["AUTHENTICATED", "PUBLIC", "GrpcEndpoint", "RequestContext", "CallContext", "grpc_for"]
