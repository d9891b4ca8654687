"""Issue 15.8 against real RabbitMQ and PostgreSQL with the probe service: a message that can never succeed
(handler error, undecodable body, not an envelope, not the producer's, a schema version or data the consumer cannot
read) lands in its dead-letter queue with its
reason in `x-ekinerja-reason` and in `ekinerja_events_dead_lettered_total`, and is never applied; a database
outage is waited out without spending the delivery limit.

Checked without the fix: before it, the undecodable body killed the consumer's thread and the message was lost to
the queue, the poison event was requeued 5 times and dead-lettered by the broker without a reason, and the outage
test dead-lettered the events published during the cut."""
import time
import uuid

import pytest
import requests
import sqlalchemy as sa
from kombu import Connection

from ekinerja_platform import testing, topology
from ekinerja_platform.outbox import Event
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration
QUEUE = "probe.probe.probe_happened"


@pytest.fixture(scope="module")
def pb(probe_gen):
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
    return probe_pb2, probe_pb2_grpc


@pytest.fixture(scope="module")
def auth(test_keys):
    return testing.bearer(test_keys.token(subject="199001012015031001", roles=["pegawai"], instansi="i-1"))


def applied(target, pb, auth):
    import grpc
    with grpc.insecure_channel(target) as channel:
        return list(pb[1].ProbeServiceStub(channel).Applied(pb[0].EchoRequest(), metadata=auth, timeout=5).texts)


def publish_raw(amqp_uri, body: bytes, content_type="application/json", user_id=True):
    with Connection(amqp_uri) as conn:
        properties = {"user_id": conn.userid} if user_id else {}
        channel = conn.default_channel
        message = channel.prepare_message(body, content_type=content_type, content_encoding="utf-8",
                                          properties=dict(properties, delivery_mode=2,
                                                          message_id=str(uuid.uuid4())))
        channel.basic_publish(message, exchange="probe.events", routing_key="probe_happened")


def dead_letters(amqp_uri) -> list:
    """Everything in the probe queue's DLQ: (reason, detail, body); the messages are taken off.

    The DLQ is declared here too (same arguments, so idempotent): the probe's relay declares it a moment after the
    process starts, and a test that runs first must not race it."""
    out = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        topology.declare(channel, [topology.dead_letter_queue("probe", "probe", "probe_happened")])
        while True:
            message = channel.basic_get(queue=f"{QUEUE}.dlq", no_ack=True)
            if message is None:
                return out
            headers = message.properties.get("application_headers") or {}
            out.append((headers.get("x-ekinerja-reason"), headers.get("x-ekinerja-detail"), message.body))


def dead_lettered_metric(probe, reason: str) -> float:
    text = requests.get(f"http://127.0.0.1:{probe.http_port}/metrics", timeout=5).text
    line = f'ekinerja_events_dead_lettered_total{{reason="{reason}",service="probe"}}'
    for row in text.splitlines():
        if row.startswith(line):
            return float(row.split()[-1])
    return 0.0


def test_messages_that_can_never_succeed_are_dead_lettered_with_their_reason(probe, pb, auth, amqp_uri):
    dead_letters(amqp_uri)  # earlier tests' leftovers
    marker = uuid.uuid4().hex[:6]
    poison = Event("probe_happened", "probe", {"text": f"poison-{marker}"}).envelope()
    testing.publish_event(amqp_uri, poison)
    publish_raw(amqp_uri, b"\xff\xfe{not json")
    publish_raw(amqp_uri, b'"just a string"')
    forged = Event("probe_happened", "probe", {"text": f"forged-{marker}"}).envelope()
    import json
    publish_raw(amqp_uri, json.dumps(forged).encode(), user_id=False)  # no user_id: not the producer's broker user
    good = Event("probe_happened", "probe", {"text": f"good-{marker}"}).envelope()
    testing.publish_event(amqp_uri, good)

    assert wait_for(lambda: f"good-{marker}" in applied(probe.target, pb, auth))
    got = []
    assert wait_for(lambda: got.extend(dead_letters(amqp_uri)) or len(got) >= 4, timeout=20), got
    reasons = sorted(str(reason) for reason, _, _ in got)
    assert reasons == ["forged_producer", "handler_error", "invalid_envelope", "undecodable"], got
    by_reason = {reason: (detail, body) for reason, detail, body in got}
    assert by_reason["undecodable"][1] == b"\xff\xfe{not json", "the dead letter keeps the body byte for byte"
    assert "ValueError" in by_reason["handler_error"][0]
    texts = applied(probe.target, pb, auth)
    assert f"poison-{marker}" not in texts and f"forged-{marker}" not in texts
    for reason in ("forged_producer", "handler_error", "invalid_envelope", "undecodable"):
        assert dead_lettered_metric(probe, reason) >= 1, reason


def test_a_version_the_consumer_does_not_claim_or_data_unlike_its_definition_is_dead_lettered(probe, pb, auth,
                                                                                              amqp_uri):
    """The probe's consumer claims version 1 of `probe_happened` (ekinerja_events.probe): a version 2 envelope and a
    version 1 whose `text` is no string never reach the handler; both are dead-lettered as `invalid_data`."""
    dead_letters(amqp_uri)
    marker = uuid.uuid4().hex[:6]
    newer = Event("probe_happened", "probe", {"text": f"v2-{marker}"}, schema_version=2).envelope()
    unlike = Event("probe_happened", "probe", {"text": 7, "marker": marker}).envelope()
    good = Event("probe_happened", "probe", {"text": f"good-{marker}"}).envelope()
    for envelope in (newer, unlike, good):
        testing.publish_event(amqp_uri, envelope)
    assert wait_for(lambda: f"good-{marker}" in applied(probe.target, pb, auth))
    got = []
    assert wait_for(lambda: got.extend(dead_letters(amqp_uri)) or len(got) >= 2, timeout=20), got
    assert sorted((reason, detail) for reason, detail, _ in got) == [
        ("invalid_data", "data.text: expected string, got int"),
        ("invalid_data", "schema_version 2 is not one the consumer accepts (1,)")], got
    assert f"v2-{marker}" not in applied(probe.target, pb, auth)
    assert dead_lettered_metric(probe, "invalid_data") >= 2


def test_replay_puts_trusted_dead_letters_back_and_keeps_forged_ones(probe, pb, auth, amqp_uri):
    """`python -m ekinerja_platform.replay`: a consumer-made dead letter whose cause is gone is applied after the
    replay; one dead-lettered as forged, and one claiming a producer the consumer's copy cannot vouch for, stay."""
    import json

    from ekinerja_platform import replay
    from ekinerja_platform.dead_letter import ORIGINAL_USER_HEADER, REASON_HEADER
    dead_letters(amqp_uri)
    marker = uuid.uuid4().hex[:6]
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        for text, reason, original in ((f"fixed-{marker}", "handler_error", conn.userid),
                                       (f"forged-{marker}", "forged_producer", conn.userid),
                                       (f"claims-{marker}", "handler_error", "someone-skp")):
            body = json.dumps(Event("probe_happened", "probe", {"text": text}).envelope()).encode()
            channel.basic_publish(channel.prepare_message(
                body, content_type="application/json", content_encoding="utf-8",
                headers={REASON_HEADER: reason, ORIGINAL_USER_HEADER: original},
                properties={"user_id": conn.userid, "delivery_mode": 2}),
                exchange="ekinerja.dead-letter", routing_key=QUEUE)
    assert wait_for(lambda: _depth(amqp_uri) == 3)
    counts = replay.replay(amqp_uri, QUEUE)
    assert counts == {"replayed": 1, "forged_kept": 1, "untrusted_kept": 1}
    assert wait_for(lambda: f"fixed-{marker}" in applied(probe.target, pb, auth))
    assert sorted(reason for reason, _, _ in dead_letters(amqp_uri)) == ["forged_producer", "handler_error"]


def _depth(amqp_uri) -> int:
    with Connection(amqp_uri) as conn:
        return conn.channel().queue_declare(f"{QUEUE}.dlq", passive=True)[1]


def test_a_database_outage_is_waited_out_without_dead_letters(probe, make_probe_env, probe_db, amqp_uri, test_keys,
                                                              pb, auth):
    """The probe's database behind a TCP proxy is cut for 9 s while 100 events arrive: all are applied after it
    comes back, none is dead-lettered."""
    probe.stop()  # only the process behind the proxy consumes (this test runs last in the module)
    proxy = testing.TcpProxy()
    proxy.start()
    env = make_probe_env(_via(proxy, probe_db), amqp_uri, test_keys.jwks_url)
    process = testing.ServiceProcess("probe_main", env).start()
    try:
        dead_letters(amqp_uri)
        marker = uuid.uuid4().hex[:6]
        proxy.stop()
        for i in range(100):
            testing.publish_event(amqp_uri, Event("probe_happened", "probe", {"text": f"out-{marker}-{i}"}).envelope())
        time.sleep(9)
        proxy.start()
        wanted = {f"out-{marker}-{i}" for i in range(100)}
        assert wait_for(lambda: wanted <= set(applied(process.target, pb, auth)), timeout=60), \
            "events of the outage were not applied after it"
        assert dead_letters(amqp_uri) == []
        text = requests.get(f"http://127.0.0.1:{process.http_port}/metrics", timeout=5).text
        retried = [row for row in text.splitlines() if row.startswith("ekinerja_events_retried_total{")]
        assert retried and float(retried[0].split()[-1]) > 0, "the outage was not retried in place"
    finally:
        process.stop()
        proxy.stop()


def _via(proxy, database_url: str) -> str:
    """`database_url` through the proxy's port."""
    return sa.engine.make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
