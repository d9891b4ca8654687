"""Tracing (tracing.py): off unless configured; under eventlet every green thread keeps its own span; a worker's
span continues the caller's or the producer's trace; log lines carry the trace id (issue 20.3)."""
import json
import logging
import random
from types import SimpleNamespace

import eventlet
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ekinerja_platform import logs, tracing
from ekinerja_platform.pending import PendingAnswer

pytestmark = pytest.mark.unit


@pytest.fixture
def exported(monkeypatch):
    """Tracing on, spans kept in memory (the processes of the e2e test export them over OTLP instead)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("test"))
    monkeypatch.setattr(tracing, "_provider", provider)
    return exporter


def _traceparent(trace_id: int, span_id: int) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-01"


def _grpc_worker(traceparent=None, path="/ekinerja.des.v1.DesService/SubmitActivity"):
    return SimpleNamespace(entrypoint=SimpleNamespace(method_path=path, method_name=path.rsplit("/", 1)[1]),
                           container=SimpleNamespace(service_name="des"), args=(),
                           context_data={tracing.TRACEPARENT: traceparent} if traceparent else {})


def test_off_unless_the_environment_asks_for_traces():
    assert not tracing.wanted({})
    assert not tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})
    assert not tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"})
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    assert tracing.wanted({"OTEL_TRACES_EXPORTER": "otlp"})
    assert tracing.configure("des", {}) is False
    assert not tracing.enabled()


def test_while_off_nothing_is_stored_sent_or_logged():
    ctx = _grpc_worker(_traceparent(7, 9))
    tracing.worker_started(ctx)  # no span, no context attached
    assert not hasattr(ctx, "trace_span")
    assert tracing.current_traceparent() is None and tracing.log_ids() is None
    assert tracing.outgoing_metadata([("a", "b")]) == [("a", "b")]
    assert tracing.publish_span("des", "activity_submitted", "e1", _traceparent(7, 9)) is None
    tracing.worker_ended(ctx)


def test_only_well_formed_traceparents_are_taken():
    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert tracing.valid_traceparent(good) == good
    assert tracing.valid_traceparent(good.encode()) == good
    for bad in ("", None, 42, "garbage", good.upper(), "ff" + good[2:],
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", good + "x" * 300):
        assert tracing.valid_traceparent(bad) is None, bad


def test_a_call_continues_its_callers_trace_and_without_one_starts_a_trace(exported):
    ctx = _grpc_worker(_traceparent(0xABC, 0xDEF))
    tracing.worker_started(ctx)
    inside = tracing.current_traceparent()
    tracing.worker_ended(ctx)
    root = _grpc_worker(None)
    tracing.worker_started(root)
    tracing.worker_ended(root)
    server, new_root = exported.get_finished_spans()
    assert server.kind == SpanKind.SERVER and server.name == "ekinerja.des.v1.DesService/SubmitActivity"
    assert server.context.trace_id == 0xABC and server.parent.span_id == 0xDEF
    assert inside == _traceparent(0xABC, server.context.span_id)  # what the outbox row stores
    assert new_root.parent is None and new_root.context.trace_id != 0xABC
    assert tracing.current_traceparent() is None  # nothing left current after the worker


def test_health_probes_make_no_spans(exported):
    ctx = _grpc_worker(None, "/grpc.health.v1.Health/Check")
    tracing.worker_started(ctx)
    tracing.worker_ended(ctx)
    assert exported.get_finished_spans() == ()


def test_a_consumed_event_is_a_consumer_span_child_of_the_header(exported):
    ctx = SimpleNamespace(
        entrypoint=SimpleNamespace(event_type="activity_submitted", source_service="des", method_name="on_x",
                                   queue=SimpleNamespace(name="recap.des.activity_submitted")),
        container=SimpleNamespace(service_name="recap"), args=({"event_id": "e-1"},),
        context_data={tracing.TRACEPARENT: _traceparent(0x55, 0x66)})
    tracing.worker_started(ctx)
    tracing.worker_result(ctx, None, (ValueError, ValueError("NIP 199001012020011001 salah"), None))
    tracing.worker_ended(ctx)
    [span] = exported.get_finished_spans()
    assert span.kind == SpanKind.CONSUMER and span.name == "des.events process"
    assert (span.context.trace_id, span.parent.span_id) == (0x55, 0x66)
    assert span.attributes["messaging.message.id"] == "e-1"
    assert not span.status.is_ok and "1990" not in str(span.status.description)  # no message: personal data


def test_the_relay_span_is_child_of_the_stored_context(exported):
    span = tracing.publish_span("des", "activity_submitted", "e-2", _traceparent(0x77, 0x88))
    header = tracing.traceparent_of(span)
    tracing.end_span(span)
    [finished] = exported.get_finished_spans()
    assert finished.kind == SpanKind.PRODUCER and finished.parent.span_id == 0x88
    assert header == _traceparent(0x77, finished.context.span_id)
    assert tracing.publish_span("des", "activity_submitted", "e-3", None) is None  # no stored context: no span


def test_a_pending_answer_ends_the_span_when_settled(exported):
    ctx = _grpc_worker(_traceparent(1, 2))
    tracing.worker_started(ctx)
    pending = PendingAnswer()
    tracing.worker_result(ctx, pending, None)
    tracing.worker_ended(ctx)
    assert exported.get_finished_spans() == ()
    pending.resolve("answer")
    assert len(exported.get_finished_spans()) == 1


def test_green_threads_never_see_each_others_spans(exported):
    """OpenTelemetry's context is a contextvar: each greenlet has its own, so workers interleaving at every
    green wait keep their own span (and log their own trace id)."""
    seen = {}

    def worker(n):
        ctx = _grpc_worker(_traceparent(1000 + n, 1))
        tracing.worker_started(ctx)
        for _ in range(5):
            eventlet.sleep(random.random() / 1000)  # the others run meanwhile
            seen.setdefault(n, set()).add(tracing.log_ids()[0])
        tracing.worker_ended(ctx)
        seen[n].add(tracing.log_ids())

    pool = eventlet.GreenPool()
    for n in range(20):
        pool.spawn(worker, n)
    pool.waitall()
    assert {n: ids for n, ids in seen.items()} == {n: {f"{1000 + n:032x}", None} for n in range(20)}
    assert tracing.log_ids() is None
    assert len(exported.get_finished_spans()) == 20


def test_log_lines_carry_the_trace_id_inside_a_span_only(exported):
    formatter = logs.JsonFormatter()

    def line():
        return json.loads(formatter.format(logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)))

    ctx = _grpc_worker(_traceparent(0x1234, 0x5678))
    tracing.worker_started(ctx)
    inside = line()
    tracing.worker_ended(ctx)
    assert inside["trace_id"] == f"{0x1234:032x}" and len(inside["span_id"]) == 16
    assert "trace_id" not in line()
