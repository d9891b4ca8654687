"""One SubmitActivity followed from des's gRPC server into recap's consumer by its trace id (issue 20.3).

Every service of the stack exports its spans over OTLP/HTTP to the test's receiver (conftest `otlp`). The caller
sends a W3C `traceparent`; des's server span continues it, the outbox row keeps the context, des's relay (its own
process) publishes the event in a producer span and sends that span's context as an AMQP header, and recap
applies the event in a consumer span, child of it, whose log line carries the same trace id. A call without a
`traceparent` starts a trace of its own that travels the same way.
"""
from __future__ import annotations

import json
import uuid

import pytest
from e2e_lib import des_today, eventually

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


class World:
    pass


@pytest.fixture(scope="module")
def world(identity, skp, des):
    w = World()
    w.today = des_today()
    inst = "E2E-TRACE-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kota Uji Jejak")
    identity.unit(inst, f"{inst}.BAG", "Bagian Umum")
    identity.jabatan(inst, f"{inst}.KABAG", f"{inst}.BAG", "Kepala Bagian Umum", "struktural_administrator", "umum",
                     eselon="III.a")
    identity.jabatan(inst, f"{inst}.STAF", f"{inst}.BAG", "Pengadministrasi Umum", "pelaksana", "umum",
                     f"{inst}.KABAG")
    w.kabag = identity.pegawai(inst, "Kabag Jejak", "IV/a")
    w.staf = identity.pegawai(inst, "Staf Jejak", "III/a", gender=2)
    for person, jabatan in ((w.kabag, "KABAG"), (w.staf, "STAF")):
        identity.assign(person.nip, f"{inst}.{jabatan}", w.today.replace(month=1, day=1))
    [draft] = skp.documents(w.staf, w.today.year)
    w.doc = skp.agree(w.staf, w.kabag, draft, [dict(nama="Mengarsipkan surat masuk", satuan="surat",
                                                    kuantitas="200", waktu="12")])
    w.kegiatan = w.doc.kegiatan[0].kegiatan_id
    des.wait_for_skp(w.staf, w.doc.skp_id)
    return w


def _submit(des, w, uraian, extra_metadata=()):
    request = des.pb.SubmitActivityRequest(activity=des.activity_input(w.today, w.kegiatan, "1", uraian),
                                           idempotency_key=uuid.uuid4().hex)
    return des.stub.SubmitActivity(request, metadata=w.staf.md() + list(extra_metadata), timeout=20)


def _one(spans, what):
    assert len(spans) == 1, f"{what}: {spans}"
    return spans[0]


def _followed(otlp, trace_id):
    """des's server span, des's publish span and recap's consume span of the trace, each the parent of the next."""
    spans = otlp.of_trace(trace_id)
    server = _one([s for s in spans if (s.service, s.kind, s.name) == (
        "des", "SERVER", "ekinerja.des.v1.DesService/SubmitActivity")], "des's server span")
    publish = _one([s for s in spans if (s.service, s.kind) == ("des", "PRODUCER")], "des's relay publish span")
    assert publish.parent_span_id == server.span_id
    assert publish.attributes["messaging.rabbitmq.destination.routing_key"] == "activity_submitted"
    consume = _one([s for s in spans if (s.service, s.kind) == ("recap", "CONSUMER")], "recap's consume span")
    assert consume.parent_span_id == publish.span_id
    assert consume.attributes["messaging.message.id"] == publish.attributes["messaging.message.id"]
    assert consume.attributes["messaging.rabbitmq.destination.routing_key"] == "activity_submitted"
    return server, publish, consume


def _recap_lines(stack, trace_id):
    text = stack.processes["recap"].log_path.read_text(errors="replace")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("trace_id") == trace_id]


def test_a_submit_is_followed_into_recaps_consumer_by_its_trace_id(world, des, stack, otlp):
    trace_id, caller_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    _submit(des, world, "mengarsipkan surat masuk pagi", [("traceparent", f"00-{trace_id}-{caller_span}-01")])

    server, publish, consume = eventually(lambda: _followed(otlp, trace_id),
                                          what="des's server, publish and recap's consume spans of the trace")
    assert server.parent_span_id == caller_span  # the caller's trace continued, not a new one
    event_id = publish.attributes["messaging.message.id"]

    def logged():
        mine = _recap_lines(stack, trace_id)
        assert any(event_id in line["msg"] and "des.activity_submitted handled" in line["msg"] for line in mine), mine
        assert {line["span_id"] for line in mine} == {consume.span_id}
        return mine
    lines = eventually(logged, what="recap's log line for the event, with the trace id")
    assert all(line["service"] == "recap" for line in lines)


def test_a_call_without_traceparent_starts_a_trace_that_reaches_recap(world, des, otlp):
    def roots():
        return {s.trace_id for s in otlp.spans if s.service == "des" and s.kind == "SERVER"
                and s.name.endswith("/SubmitActivity") and not s.parent_span_id}
    before = roots()
    _submit(des, world, "mengarsipkan surat masuk siang")

    def new_trace():
        new = roots() - before
        assert len(new) == 1, new
        return new.pop()
    trace_id = eventually(new_trace, what="a new trace for the call")
    eventually(lambda: _followed(otlp, trace_id), what="the new trace followed into recap")

