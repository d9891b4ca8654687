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

from ekinerja_platform import events, logs, tracing
from ekinerja_platform.events import PartitionSubscriber
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


# -- the batched intake (events.PartitionSubscriber._trace_event), without a broker ---------------------------------
# Each event of a batch gets a consumer span of its own that continues its delivery's traceparent (one trace per
# submit, however events are batched), starts with its batch, and holds the event's 'handled' log line.

QUEUE = "recap.des.p03"


@pytest.fixture
def logged_in_span():
    """(message, trace id current when it was logged) of each DEBUG line of events.py."""
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            ids = tracing.log_ids()
            seen.append((record.getMessage(), ids[0] if ids else None))

    handler, before = Keep(logging.DEBUG), events.log.level
    events.log.addHandler(handler)
    events.log.setLevel(logging.DEBUG)
    yield seen
    events.log.removeHandler(handler)
    events.log.setLevel(before)


def _subscriber() -> PartitionSubscriber:
    sub = PartitionSubscriber.__new__(PartitionSubscriber)  # no container, no broker: only the tracing runs
    sub.source_service = "des"
    sub.container = SimpleNamespace(service_name="recap")
    return sub


def _delivery(headers):
    return SimpleNamespace(headers=headers)


def _envelope(n: int) -> dict:
    return {"event_id": f"e-{n}", "event_type": "activity_submitted", "producer": "des", "data": {}}


def test_each_event_of_a_batch_continues_its_own_producers_trace(exported, logged_in_span):
    items = [(_envelope(1), _delivery({tracing.TRACEPARENT: _traceparent(0xA1, 0xB1)})),
             (_envelope(2), _delivery({tracing.TRACEPARENT: _traceparent(0xA2, 0xB2).encode()})),  # AMQP may give bytes
             (_envelope(3), _delivery({tracing.TRACEPARENT: _traceparent(0xA3, 0xB3)}))]
    batch = events._Batch(QUEUE, items)
    sub = _subscriber()
    for (body, message), outcome in zip(items, ["ok", "duplicate", "ok"], strict=True):
        sub._trace_event(batch, body, message, outcome)

    spans = exported.get_finished_spans()
    assert [(s.context.trace_id, s.parent.span_id) for s in spans] == [(0xA1, 0xB1), (0xA2, 0xB2), (0xA3, 0xB3)]
    assert all(s.parent.is_remote for s in spans)
    assert {s.kind for s in spans} == {SpanKind.CONSUMER} and {s.name for s in spans} == {"des.events process"}
    assert [s.attributes["messaging.message.id"] for s in spans] == ["e-1", "e-2", "e-3"]
    assert {s.attributes["messaging.destination.name"] for s in spans} == {QUEUE}
    assert {s.start_time for s in spans} == {batch.started_ns}  # from the batch's start, not the loop's
    assert logged_in_span == [("event e-1 des.activity_submitted handled: ok", f"{0xA1:032x}"),
                              ("event e-2 des.activity_submitted handled: duplicate", f"{0xA2:032x}"),
                              ("event e-3 des.activity_submitted handled: ok", f"{0xA3:032x}")]
    assert tracing.log_ids() is None  # nothing left attached after the event


def test_an_event_without_a_usable_traceparent_starts_a_trace_of_its_own(exported):
    items = [(_envelope(1), _delivery(None)), (_envelope(2), _delivery({tracing.TRACEPARENT: "garbage"}))]
    batch = events._Batch(QUEUE, items)
    for body, message in items:
        _subscriber()._trace_event(batch, body, message, "ok")
    first, second = exported.get_finished_spans()
    assert first.parent is None and second.parent is None
    assert first.context.trace_id != second.context.trace_id


def test_while_tracing_is_off_no_span_is_made():
    assert not tracing.enabled()
    batch = events._Batch(QUEUE, [(_envelope(1), _delivery({tracing.TRACEPARENT: _traceparent(1, 2)}))])
    _subscriber()._trace_event(batch, _envelope(1), batch.items[0][1], "ok")  # returns at once, touches nothing
