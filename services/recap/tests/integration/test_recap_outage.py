"""Issue 15.8: recap's database unreachable for ~9 s while 200 events arrive. Every event is applied after the
database returns and none is dead-lettered: transient failures are retried in recap without spending the queue's
delivery limit. Before the fix all 200 went to the dead-letter queues (0 applied until a manual replay).

recap runs on its own database behind a TCP proxy (`testing.TcpProxy`): the outage cuts the proxy, never the
machine's shared PostgreSQL."""
import time
import uuid

import pytest
import recap_events as ev
import sqlalchemy as sa
from kombu import Connection

from ekinerja_platform import testing, topology
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration
EVENTS = 200


def _dlq_depth(amqp_uri) -> int:
    total = 0
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        # declared here too (same arguments, idempotent): run alone, no producer's relay has declared them yet
        topology.declare(channel, [topology.partition_dead_letter_queue(q)
                                   for q in topology.partition_queues("recap", "des")])
        for queue in topology.partition_queues("recap", "des"):
            _, count, _ = channel.queue_declare(f"{queue.name}.dlq", passive=True)
            total += count
    return total


def test_recap_database_outage_applies_every_event_after_recovery_and_dead_letters_none(amqp_uri, test_keys):
    db = testing.migrated_database("recap")
    proxy = testing.TcpProxy()
    proxy.start()
    process = testing.ServiceProcess("recap", testing.service_env(_via(proxy, db), amqp_uri, test_keys.jwks_url))
    engine = sa.create_engine(db)
    try:
        process.start()
        instansi = f"i-{uuid.uuid4().hex[:6]}"
        envelopes = []
        for i in range(EVENTS):
            nip = f"19800101{i:010d}"
            if i % 2:
                envelopes.append(ev.plan_submitted(nip, instansi, "u-1", "2025-11-03", kegiatan_id="k1"))
            else:
                envelopes.append(ev.activity_submitted(f"a-{uuid.uuid4().hex[:8]}", nip, instansi, "u-1",
                                                       "2025-11-03"))
        # the partition queues' dead letters hold every des event type: count only what this test adds
        dead_before = _dlq_depth(amqp_uri)
        proxy.stop()
        started = time.monotonic()
        for envelope in envelopes:
            testing.publish_event(amqp_uri, envelope)
        time.sleep(max(0.0, 9 - (time.monotonic() - started)))
        proxy.start()
        wanted = [e["event_id"] for e in envelopes]

        def applied():
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM event_log WHERE event_id::text = ANY(:ids)"),
                                    {"ids": wanted}).scalar()
        assert wait_for(lambda: applied() == EVENTS, timeout=90), f"{applied()} of {EVENTS} applied after the outage"
        assert _dlq_depth(amqp_uri) == dead_before, "events of the outage were dead-lettered"
    finally:
        process.stop()
        proxy.stop()
        engine.dispose()
        testing.drop_database(db)


def _via(proxy, database_url: str) -> str:
    """`database_url` through the proxy's port."""
    return sa.engine.make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
