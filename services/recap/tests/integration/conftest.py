"""Fixtures: a migrated recap database, the real recap process, a gRPC stub, and a way to wait for projection.

Only recap runs: identity, skp and des are represented by the events they publish (docs/events.md), sent with
`publish_event`. A later cross-service test can replace `publish` with real RPCs on those services and keep the
same assertions.
"""
import os
import time

import grpc
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing


@pytest.fixture(scope="module")
def recap_db():
    url = testing.migrated_database("recap")
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="module")
def recap_env(recap_db, amqp_uri, test_keys):
    return testing.service_env(recap_db, amqp_uri, test_keys.jwks_url)


@pytest.fixture(scope="module")
def recap(recap_env):
    process = testing.ServiceProcess("recap", recap_env).start()
    yield process
    process.stop()
    if os.environ.get("RECAP_TEST_LOG"):
        print(process.log())


@pytest.fixture(scope="module")
def stub(recap):
    from ekinerja.recap.v1 import recap_pb2_grpc
    channel = grpc.insecure_channel(recap.target)
    yield recap_pb2_grpc.RecapServiceStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def engine(recap_db):
    engine = sa.create_engine(recap_db)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def publish(amqp_uri, engine, recap):
    """publish(envelopes) then wait until recap logged every distinct one."""
    def send(envelopes, timeout=30.0):
        for envelope in envelopes:
            testing.publish_event(amqp_uri, envelope)
        wanted = {e["event_id"] for e in envelopes}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                seen = set(conn.execute(sa.text("SELECT event_id::text FROM event_log "
                                                "WHERE event_id::text = ANY(:ids)"), {"ids": list(wanted)}).scalars())
            if seen == wanted:
                return
            time.sleep(0.1)
        raise AssertionError(f"recap applied {len(seen)} of {len(wanted)} events")
    return send
