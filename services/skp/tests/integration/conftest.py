"""The skp service as a real process on its own database and vhost; identity and des are outside it, so their
events are published by the tests exactly as their relays would (``testing.publish_event``), and callers get
tokens from the session's test signing key. Events the service publishes are read from test queues bound to
``skp.events``."""
from __future__ import annotations

import uuid

import grpc
import pytest
from kombu import Connection, Queue
from skp_testlib import EventLog, World

from ekinerja_platform import testing, topology


@pytest.fixture(scope="session")
def skp_db():
    url = testing.migrated_database("skp")
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def skp_events(amqp_uri):
    """Test queues bound to skp.events before the service runs: every skp event published is captured."""
    name = f"test-skp-{uuid.uuid4().hex[:8]}"
    queues = {et: Queue(f"{name}.{et}", exchange=topology.event_exchange("skp"), routing_key=et, durable=False,
                        auto_delete=False) for et in topology.SUBSCRIPTIONS["skp"]}
    with Connection(amqp_uri) as conn:
        topology.declare(conn.default_channel, queues.values())
    captured = EventLog(amqp_uri, queues)
    yield captured
    with Connection(amqp_uri) as conn:
        for queue in queues.values():
            queue(conn.default_channel).delete()


@pytest.fixture(scope="session")
def skp_service(skp_db, amqp_uri, test_keys, skp_events):
    process = testing.ServiceProcess("skp", testing.service_env(skp_db, amqp_uri, test_keys.jwks_url))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def stub(skp_service):
    from ekinerja.skp.v1 import skp_pb2_grpc
    channel = grpc.insecure_channel(skp_service.target)
    yield skp_pb2_grpc.SkpServiceStub(channel)
    channel.close()


@pytest.fixture(scope="session")
def pb():
    from ekinerja.skp.v1 import skp_pb2
    return skp_pb2


@pytest.fixture(scope="session")
def world(amqp_uri, test_keys, skp_service):
    return World(amqp_uri, test_keys)


@pytest.fixture(scope="module")
def skp_engine(skp_db):
    """A small engine on the suite's skp database, for tests that look at or prepare rows directly."""
    from ekinerja_platform.db import make_engine
    engine = make_engine(skp_db, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def use_ruleset(skp_engine):
    """Puts a drafted document under PermenPANRB 6/2022 by its ``ruleset`` column: what the per-instansi setting
    decides at drafting (tested on its own in test_ruleset_setting*.py), without an instansi per test."""
    import sqlalchemy as sa

    def use(skp_id: str) -> None:
        with skp_engine.begin() as conn:
            conn.execute(sa.text("UPDATE skp_documents SET ruleset = 'permenpanrb-6-2022' "
                                 "WHERE skp_id = CAST(:id AS uuid)"), {"id": skp_id})
    return use
