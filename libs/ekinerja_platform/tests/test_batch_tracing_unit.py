"""Tracing of the batched intake (events.PartitionSubscriber._trace_event), without a broker: each event of a batch
gets a consumer span of its own that continues its delivery's traceparent (one trace per submit, however events
are batched), starts with its batch, and holds the event's 'handled' log line."""
import logging
from types import SimpleNamespace

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ekinerja_platform import events, tracing
from ekinerja_platform.events import PartitionSubscriber

pytestmark = pytest.mark.unit
QUEUE = "recap.des.p03"


@pytest.fixture
def exported(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("test"))
    monkeypatch.setattr(tracing, "_provider", provider)
    return exporter


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


def subscriber() -> PartitionSubscriber:
    sub = PartitionSubscriber.__new__(PartitionSubscriber)  # no container, no broker: only the tracing runs
    sub.source_service = "des"
    sub.container = SimpleNamespace(service_name="recap")
    return sub


def traceparent(trace_id: int, span_id: int) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-01"


def delivery(headers):
    return SimpleNamespace(headers=headers)


def envelope(n: int) -> dict:
    return {"event_id": f"e-{n}", "event_type": "activity_submitted", "producer": "des", "data": {}}


def test_each_event_of_a_batch_continues_its_own_producers_trace(exported, logged_in_span):
    items = [(envelope(1), delivery({tracing.TRACEPARENT: traceparent(0xA1, 0xB1)})),
             (envelope(2), delivery({tracing.TRACEPARENT: traceparent(0xA2, 0xB2).encode()})),  # AMQP may give bytes
             (envelope(3), delivery({tracing.TRACEPARENT: traceparent(0xA3, 0xB3)}))]
    batch = events._Batch(QUEUE, items)
    sub = subscriber()
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
    items = [(envelope(1), delivery(None)), (envelope(2), delivery({tracing.TRACEPARENT: "garbage"}))]
    batch = events._Batch(QUEUE, items)
    for body, message in items:
        subscriber()._trace_event(batch, body, message, "ok")
    first, second = exported.get_finished_spans()
    assert first.parent is None and second.parent is None
    assert first.context.trace_id != second.context.trace_id


def test_while_tracing_is_off_no_span_is_made():
    assert not tracing.enabled()
    batch = events._Batch(QUEUE, [(envelope(1), delivery({tracing.TRACEPARENT: traceparent(1, 2)}))])
    subscriber()._trace_event(batch, envelope(1), batch.items[0][1], "ok")  # returns at once, touches nothing
