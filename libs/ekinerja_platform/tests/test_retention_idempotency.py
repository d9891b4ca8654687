"""Retention (old rows go in batches, recent and unsent ones stay, one replica at a time, on the service's own
schedule) and idempotency keys (claimed before the work: concurrent retries apply once), on real PostgreSQL."""
import threading
import time
import uuid

import probe_support
import pytest
import sqlalchemy as sa
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy.orm import sessionmaker

from ekinerja_platform import idempotency, retention, testing
from ekinerja_platform.db import DatabaseAccess
from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def db_url():
    url = probe_support.create_database()
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="module")
def db(db_url):
    engine = sa.create_engine(db_url, pool_size=10)
    yield DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


class Call:
    """What a worker's call carries for idempotency: its verified caller and its `x-idempotency-key`."""

    def __init__(self, key, subject="tester"):
        self.idempotency_key = key
        self.principal = Principal(subject=subject, roles=("admin_bkn",), instansi_id=None)


def run_once(db, rpc, key, response_cls, work, request=None, subject="tester"):
    return idempotency.run_once(db, Call(key, subject), rpc, request or StringValue(value="request"), response_cls,
                                work)


def count(db, sql, **params) -> int:
    with db.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def age(db, table: str, column: str, where: str, interval: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {table} SET {column} = now() - CAST(:i AS interval) WHERE {where}"),
                     {"i": interval, **params})


def outbox_rows(db, n: int, created: str, sent: str | None) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO outbox (event_id, event_type, payload, created_at, sent_at) "
            "SELECT gen_random_uuid(), 'retention_test', '{}'::jsonb, now() - CAST(:c AS interval), "
            "now() - CAST(:s AS interval) FROM generate_series(1, :n)"), {"c": created, "s": sent, "n": n})


def test_purge_deletes_old_rows_in_batches_and_keeps_recent_and_unsent_ones(db):
    outbox_rows(db, 25, "8 days", "8 days")          # sent more than a week ago: go
    outbox_rows(db, 2, "8 days", None)                # never sent, however old: stay
    outbox_rows(db, 3, "8 days", "2 days")            # created long ago but sent recently: stay
    outbox_rows(db, 4, "1 day", "1 day")              # recent: stay
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO inbox (consumer, event_id, processed_at) SELECT 'c', gen_random_uuid(), "
                             "now() - CAST(d || ' days' AS interval) FROM unnest(ARRAY[31, 31, 31, 29]) AS d"))
    old_key, new_key = "old-" + uuid.uuid4().hex, "new-" + uuid.uuid4().hex
    for key in (old_key, new_key):
        run_once(db, "test.Purge", key, StringValue, lambda s, key=key: StringValue(value=f"first {key}"))
    age(db, "idempotency_keys", "created_at", "key = :k", "25 hours", k=old_key)

    deleted = retention.purge(db.engine, retention.platform_rules(retention.RetentionSettings()), batch_size=10)

    assert deleted == {"outbox": 25, "inbox": 3, "idempotency_keys": 1}
    assert count(db, "SELECT count(*) FROM outbox WHERE event_type = 'retention_test'") == 9
    assert count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND event_type = 'retention_test'") == 2
    assert count(db, "SELECT count(*) FROM inbox WHERE consumer = 'c'") == 1
    # a retry inside the horizon still gets its first answer, and the work is not done again
    again = run_once(db, "test.Purge", new_key, StringValue, lambda s: pytest.fail("applied twice"))
    assert again.value == f"first {new_key}"
    # past the horizon the key is forgotten: the same key is a new request
    fresh = run_once(db, "test.Purge", old_key, StringValue, lambda s: StringValue(value="second"))
    assert fresh.value == "second"


def test_only_one_replica_purges_at_a_time(db):
    outbox_rows(db, 3, "9 days", "9 days")
    with db.engine.begin() as other:  # another replica's purge in progress
        other.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": retention.LOCK_KEY})
        assert retention.purge(db.engine, retention.platform_rules(retention.RetentionSettings()), 10) == {}
        assert count(db, "SELECT count(*) FROM outbox WHERE sent_at < now() - interval '8 days'") == 3
    assert retention.purge(db.engine, retention.platform_rules(retention.RetentionSettings()), 10)["outbox"] == 3


def test_the_service_purges_on_its_own_schedule(make_probe_env, db_url, db, amqp_uri, test_keys):
    outbox_rows(db, 5, "10 days", "10 days")
    process = testing.ServiceProcess("probe_main", make_probe_env(
        db_url, amqp_uri, test_keys.jwks_url, EKINERJA_RETENTION_INTERVAL_SECONDS=1,
        EKINERJA_OUTBOX_HORIZON_DAYS=7))
    process.start()
    try:
        assert testing.wait_for(lambda: count(db, "SELECT count(*) FROM outbox WHERE sent_at < now() - "
                                                  "interval '7 days'") == 0, timeout=20)
    finally:
        process.stop()


def test_concurrent_retries_with_one_key_apply_once_and_get_the_first_answer(db):
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS race_applied (n serial PRIMARY KEY, key text)"))
    key = "race-" + uuid.uuid4().hex
    start, answers = threading.Barrier(6), []

    def work(session):
        n = session.execute(sa.text("INSERT INTO race_applied (key) VALUES (:k) RETURNING n"), {"k": key}).scalar()
        time.sleep(0.2)  # keep the transaction open while the other retries arrive
        return StringValue(value=f"applied as {n}")

    def retry():
        start.wait()
        answers.append(run_once(db, "test.Race", key, StringValue, work).value)

    threads = [threading.Thread(target=retry) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(answers) == 6 and len(set(answers)) == 1
    assert count(db, "SELECT count(*) FROM race_applied WHERE key = :k", k=key) == 1


def test_a_failed_first_attempt_is_not_remembered(db):
    key = "fails-" + uuid.uuid4().hex

    def boom(session):
        raise ValueError("the first attempt fails")

    with pytest.raises(ValueError):
        run_once(db, "test.Fail", key, StringValue, boom)
    assert run_once(db, "test.Fail", key, StringValue, lambda s: StringValue(value="ok")).value == "ok"


def test_same_key_with_another_request_is_refused_and_changes_nothing(db):
    key = "reuse-" + uuid.uuid4().hex
    first = run_once(db, "test.Reuse", key, StringValue, lambda s: StringValue(value="first"),
                     request=StringValue(value="a"))
    with pytest.raises(FailedPrecondition) as err:
        run_once(db, "test.Reuse", key, StringValue, lambda s: pytest.fail("applied"), request=StringValue(value="b"))
    assert err.value.field == "idempotency_key" and err.value.reason == idempotency.REUSED
    # the same request is still answered with the first answer, and another caller's key is its own
    assert run_once(db, "test.Reuse", key, StringValue, lambda s: pytest.fail("applied twice"),
                    request=StringValue(value="a")) == first
    assert run_once(db, "test.Reuse", key, StringValue, lambda s: StringValue(value="other caller"),
                    request=StringValue(value="b"), subject="someone-else").value == "other caller"


def test_an_answer_stored_before_the_fingerprint_is_replayed_unchecked(db):
    key = "legacy-" + uuid.uuid4().hex
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO idempotency_keys (scope, key, response) VALUES (:s, :k, :r)"),
                     {"s": "test.Legacy:tester", "k": key, "r": StringValue(value="old answer").SerializeToString()})
    assert run_once(db, "test.Legacy", key, StringValue, lambda s: pytest.fail("applied twice"),
                    request=StringValue(value="anything")).value == "old answer"
