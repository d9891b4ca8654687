"""Traces across the services: W3C trace context from a gRPC call through the outbox and the broker to consumers.

Off unless configured, with OpenTelemetry's standard variables: on when `OTEL_TRACES_EXPORTER` is `otlp` (or
`console`) or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`), and
`OTEL_SDK_DISABLED` is not `true`. Spans go to an OTLP collector over HTTP/protobuf (port 4318) in batches
(`OTEL_BSP_*`). While off no SDK is loaded, no span is made and no trace context is stored or sent: every hook
below costs one test of a module global.

The path of one request (docs/operations.md, "Tracing"):
- the gRPC server span continues the caller's `traceparent` metadata (or starts a trace), in the worker's green
  thread, so every log line of the call carries its `trace_id` (logs.py);
- an event written to the outbox stores the current `traceparent` in the row's `trace_context` column, beside the
  envelope (the envelope is the event's contract with its consumers and stays as it is; the context is transport
  metadata, like the AMQP headers it becomes);
- the relay publishes each such row in a producer span, child of the stored context, and sends that span's
  `traceparent` as an AMQP header;
- the consumer's worker runs in a consumer span, child of the header's context.

OpenTelemetry keeps the current span in a `contextvars` variable; every greenlet has its own contextvars context,
so concurrent workers of one process never see each other's spans (libs/ekinerja_platform/tests/test_tracing.py).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"  # the W3C header / gRPC metadata / AMQP header name
# version 00 (a later version is read as 00 would be: its first four fields), no all-zero ids, not version ff
_TRACEPARENT_RE = re.compile(r"^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$")

_UNTRACED_PREFIXES = ("/grpc.health.", "/grpc.reflection.")
_tracer = None  # set by `configure` when tracing is on
_provider = None


def enabled() -> bool:
    return _tracer is not None


def wanted(environ=None) -> bool:
    """Whether the environment asks for traces (the standard OTEL_* variables)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return bool(exporter) or bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"))


def configure(service: str, environ=None) -> bool:
    """Install the SDK's tracer provider with a batching OTLP exporter when the environment asks for traces;
    returns whether tracing is on. Called once per process (service, relay child, CLI) after logging is set up."""
    global _tracer, _provider
    env = os.environ if environ is None else environ
    if not wanted(env):
        return False
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    names = [n.strip() for n in env.get("OTEL_TRACES_EXPORTER", "otlp").lower().split(",") if n.strip()]
    provider = TracerProvider(resource=Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or service}))
    for name in names or ["otlp"]:
        if name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        elif name == "otlp":
            protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
            if protocol and protocol != "http/protobuf":
                log.warning("OTLP protocol %s is not installed; spans are sent as http/protobuf", protocol)
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            log.warning("unknown OTEL_TRACES_EXPORTER %r ignored", name)
    trace.set_tracer_provider(provider)
    _provider = provider
    _tracer = provider.get_tracer("ekinerja_platform")
    log.info("tracing on: spans of %s exported (%s)", service, ",".join(names or ["otlp"]))
    return True


def shutdown() -> None:
    """Export what is still buffered (a stopping process) and turn tracing off."""
    global _tracer, _provider
    if _provider is not None:
        try:
            _provider.shutdown()
        except Exception:  # a collector that is away must not hold the stop
            log.warning("spans not exported at shutdown", exc_info=True)
    _tracer = _provider = None


def valid_traceparent(value) -> str | None:
    """`value` if it is a well-formed W3C traceparent (a caller's or a header's: untrusted input), else None."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str) and len(value) <= 256 and _TRACEPARENT_RE.match(value):
        return value
    return None


def _parent(traceparent: str | None):
    if not traceparent:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    return TraceContextTextMapPropagator().extract({TRACEPARENT: traceparent})


def current_traceparent() -> str | None:
    """The traceparent of the current span (to store with an outbox row or send to a callee); None when off."""
    if _tracer is None:
        return None
    from opentelemetry import trace
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def log_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for log records; None when off or outside a span."""
    if _tracer is None:
        return None
    from opentelemetry import trace
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def traceparent_of(span) -> str:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


# -- spans of the relay ------------------------------------------------------------------------------------------

def publish_span(producer: str, event_type: str, event_id: str, stored_traceparent: str | None):
    """A producer span for one outbox row, child of the context stored with it; None when off or the row has none
    (an event written outside any traced call starts no trace of its own here)."""
    if _tracer is None or not stored_traceparent:
        return None
    from opentelemetry.trace import SpanKind
    return _tracer.start_span(
        f"{producer}.events publish", kind=SpanKind.PRODUCER, context=_parent(stored_traceparent),
        attributes={"messaging.system": "rabbitmq", "messaging.operation.type": "publish",
                    "messaging.destination.name": f"{producer}.events",
                    "messaging.rabbitmq.destination.routing_key": event_type, "messaging.message.id": event_id})


def end_span(span, error: str | None = None) -> None:
    if span is None:
        return
    if error:
        from opentelemetry.trace import Status, StatusCode
        span.set_status(Status(StatusCode.ERROR, error))
    span.end()


# -- spans of nameko workers: gRPC calls and consumed events -----------------------------------------------------

def _event_attributes(service: str, source: str, queue_name: str, envelope: dict, event_type: str) -> dict:
    return {"messaging.system": "rabbitmq", "messaging.operation.type": "process",
            "messaging.destination.name": queue_name,
            "messaging.rabbitmq.destination.routing_key": envelope.get("event_type") or event_type,
            "messaging.message.id": str(envelope.get("event_id", "")),
            "messaging.consumer.group.name": service}


def event_span(service: str, source: str, queue_name: str, envelope: dict, traceparent: str | None,
               start_ns: int):
    """A consumer span for one event of a batch (events.PartitionSubscriber), child of the producer's span whose
    context came with the delivery, from the batch's start; None when off. The caller ends it."""
    if _tracer is None:
        return None
    from opentelemetry.trace import SpanKind
    return _tracer.start_span(f"{source}.events process", kind=SpanKind.CONSUMER, context=_parent(traceparent),
                              start_time=start_ns,
                              attributes=_event_attributes(service, source, queue_name, envelope, ""))


@contextlib.contextmanager
def current(span):
    """`span` as the current span inside the block (its log lines carry its ids); nothing when None."""
    if span is None:
        yield
        return
    from opentelemetry import context, trace
    token = context.attach(trace.set_span_in_context(span))
    try:
        yield
    finally:
        context.detach(token)


def _worker_span(worker_ctx):
    from opentelemetry.trace import SpanKind
    entrypoint = worker_ctx.entrypoint
    service = worker_ctx.container.service_name
    parent = _parent(worker_ctx.context_data.get(TRACEPARENT))
    event_type = getattr(entrypoint, "event_type", None)
    args = worker_ctx.args
    if event_type is not None and args and isinstance(args[0], list):
        return None  # a batch of events: each one gets its own span (event_span), child of its own producer's
    if event_type is not None:  # events.EventSubscriber
        source = getattr(entrypoint, "source_service", "")
        envelope = args[0] if args and isinstance(args[0], dict) else {}
        return _tracer.start_span(
            f"{source}.events process", kind=SpanKind.CONSUMER, context=parent,
            attributes=_event_attributes(service, source, getattr(getattr(entrypoint, "queue", None), "name", ""),
                                         envelope, event_type))
    path = getattr(entrypoint, "method_path", None)
    if path is not None and not path.startswith(_UNTRACED_PREFIXES):  # grpc_entrypoint: "/package.Service/Method"
        rpc_service, _, method = path.strip("/").partition("/")
        return _tracer.start_span(
            f"{rpc_service}/{method}", kind=SpanKind.SERVER, context=parent,
            attributes={"rpc.system": "grpc", "rpc.service": rpc_service, "rpc.method": method})
    return None  # health probes, reflection, /metrics, timers: no span (probes would drown the traces)


def worker_started(worker_ctx) -> None:
    """Start the worker's span (a gRPC call's server span, an event's consumer span) and make it current in the
    worker's green thread, for its handler, its log lines and the events it writes. Nothing while off."""
    if _tracer is None:
        return
    try:
        from opentelemetry import context, trace
        span = _worker_span(worker_ctx)
        if span is None:
            return
        worker_ctx.trace_span = span
        worker_ctx.trace_token = context.attach(trace.set_span_in_context(span))
    except Exception:  # tracing must never fail a call
        log.warning("worker span not started", exc_info=True)


def worker_result(worker_ctx, result=None, exc_info=None) -> None:
    span = getattr(worker_ctx, "trace_span", None)
    if span is None:
        return
    if exc_info is not None:
        _set_error(span, exc_info[1])
    from .pending import PendingAnswer
    if isinstance(result, PendingAnswer):  # answered later (a joined write): the span ends with the answer
        worker_ctx.trace_span = None

        def answered(response, error):
            if error is not None:
                _set_error(span, error)
            span.end()
        result.when_done(answered)


def worker_ended(worker_ctx) -> None:
    token = getattr(worker_ctx, "trace_token", None)
    if token is None:
        return
    from opentelemetry import context
    context.detach(token)
    span = getattr(worker_ctx, "trace_span", None)
    if span is not None:
        span.end()


def _set_error(span, exc: BaseException) -> None:
    from opentelemetry.trace import Status, StatusCode
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
    span.set_attribute("exception.type", type(exc).__name__)  # not its message: it may hold personal data


def set_grpc_status(code) -> None:
    """The call's gRPC status code on its server span (when current)."""
    if _tracer is None:
        return
    from opentelemetry import trace
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute("rpc.grpc.status_code", code.value[0])


# -- clients -------------------------------------------------------------------------------------------------------

def client_span(name: str):
    """A client span (a context manager) around one outgoing gRPC call; a no-op context when off."""
    import contextlib
    if _tracer is None:
        return contextlib.nullcontext()
    from opentelemetry.trace import SpanKind
    rpc_service, _, method = name.strip("/").partition("/")
    return _tracer.start_as_current_span(
        name.strip("/"), kind=SpanKind.CLIENT,
        attributes={"rpc.system": "grpc", "rpc.service": rpc_service, "rpc.method": method})


def outgoing_metadata(metadata) -> list:
    """`metadata` plus the current traceparent (when on and inside a span), for a gRPC call to another service."""
    traceparent = current_traceparent()
    metadata = list(metadata or ())
    if traceparent is not None:
        metadata.append((TRACEPARENT, traceparent))
    return metadata
