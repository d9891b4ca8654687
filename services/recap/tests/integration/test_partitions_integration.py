"""Two recap processes on des's partition queues (docs/scale.md, "Events partitioned"), on the shared broker.

Each process subscribes to its share of the partitions at once and to the others as the standby: the broker makes
each process the single active consumer of half of the queues. Then many employees' events arrive and one process
is killed with SIGKILL half-way: the broker activates the survivor on the dead one's partitions, redelivers what it
had not acked, and recap's inbox drops what it had applied but not acked. Every event is applied exactly once.
"""
import threading
import uuid
from collections import Counter

import pytest
import recap_events as ev
import sqlalchemy as sa
from kombu import Connection

from ekinerja_platform import testing, topology
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration
EMPLOYEES, PER_EMPLOYEE = 60, 20  # 1,200 events
QUEUES = {q.name for q in topology.partition_queues("recap", "des")}


def active_by_channel(vhost: str) -> tuple[Counter, int]:
    """(channel -> number of partition queues it is the active consumer of, consumers on the partitions)."""
    rows = [r for r in testing.rabbitmqctl_rows("list_consumers", "-p", vhost, "queue_name", "channel_pid", "active")
            if r[0] in QUEUES]
    return Counter(channel for _, channel, active in rows if active == "true"), len(rows)


def test_two_processes_share_the_partitions_and_a_killed_one_loses_and_doubles_nothing(amqp_uri, test_keys):
    vhost = amqp_uri.rsplit("/", 1)[1]
    db = testing.migrated_database("recap")
    engine = sa.create_engine(db, pool_size=1, max_overflow=0)
    processes = [testing.ServiceProcess("recap", testing.service_env(
        db, amqp_uri, test_keys.jwks_url, EKINERJA_DB_POOL_SIZE=2, EKINERJA_MAX_WORKERS=4,
        EKINERJA_PARTITION_SHARE=f"{i}/2", EKINERJA_PARTITION_STANDBY_SECONDS=20)) for i in range(2)]
    instansi = f"i-{uuid.uuid4().hex[:6]}"
    envelopes = [ev.activity_submitted(f"a-{uuid.uuid4().hex[:10]}", f"1980010120050{e:05d}", instansi, f"u-{e % 3}",
                                       "2025-11-03", skp_id="s1", kegiatan_id="k1", kuantitas="1", menit=30)
                 for n in range(PER_EMPLOYEE) for e in range(EMPLOYEES)]
    wanted = [e["event_id"] for e in envelopes]

    def applied() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM event_log WHERE event_id::text = ANY(:ids)"),
                                {"ids": wanted}).scalar()

    try:
        starting = [threading.Thread(target=process.start) for process in processes]  # side by side
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()
        # both processes subscribed to all 8 queues (own share + standby), each active on its own 4
        split = wait_for(lambda: (lambda c, n: n == 2 * len(QUEUES) and sorted(c.values()) == [4, 4])(
            *active_by_channel(vhost)), timeout=90, interval=1.0)
        assert split, f"partitions not shared: {active_by_channel(vhost)}"

        publisher = threading.Thread(target=testing.publish_events, args=(amqp_uri, envelopes))
        publisher.start()
        assert wait_for(lambda: applied() >= len(envelopes) // 4, timeout=120, interval=0.2), "no progress"
        processes[0].kill()  # SIGKILL mid-stream: deliveries in flight, some applied and not acked
        killed_at = applied()
        publisher.join(timeout=120)
        assert not publisher.is_alive()

        assert wait_for(lambda: applied() == len(envelopes), timeout=180, interval=0.5), \
            f"{applied()} of {len(envelopes)} applied ({killed_at} when the process was killed)"
        # the survivor is the single active consumer of all the partitions
        active, _ = active_by_channel(vhost)
        assert sorted(active.values()) == [len(QUEUES)], active
        assert processes[1].process.poll() is None, "the survivor kept running"
        assert 0 < killed_at < len(envelopes), "the kill happened mid-stream"

        with engine.connect() as conn:
            inbox = conn.execute(sa.text("SELECT count(*) FROM inbox WHERE event_id::text = ANY(:ids)"),
                                 {"ids": wanted}).scalar()
            facts = conn.execute(sa.text("SELECT count(*) FROM activities WHERE activity_id = ANY(:ids)"),
                                 {"ids": [e["data"]["activity_id"] for e in envelopes]}).scalar()
            reported = conn.execute(sa.text(
                "SELECT nip, reported FROM employee_counters WHERE instansi_id = :i AND kind = 'day'"),
                {"i": instansi}).all()
        assert inbox == facts == len(envelopes)
        assert len(reported) == EMPLOYEES and {r.reported for r in reported} == {PER_EMPLOYEE}, "nothing doubled"
        with Connection(amqp_uri) as conn:
            channel = conn.channel()
            dead = sum(channel.queue_declare(f"{q}.dlq", passive=True)[1] for q in QUEUES)
        assert dead == 0
    finally:
        for process in processes:
            process.stop()
        engine.dispose()
        testing.drop_database(db)


def test_a_backlog_is_applied_in_batches_and_a_failing_batch_ends_exact(amqp_uri, test_keys):
    """A backlog waits on the partitions when recap starts, so it takes batches of up to 100 events per transaction.
    A poison event in the backlog (its contract broken: no tanggal) fails its whole batch mid-way (rolled back,
    not acked); recap then runs that batch's events one at a time: the poison one is dead-lettered, every other
    event is applied exactly once. recap's database connections are also killed under it mid-run (a transient
    failure: the batch is retried whole, the inbox keeps it exact)."""
    vhost = amqp_uri.rsplit("/", 1)[1]
    db = testing.migrated_database("recap")
    engine = sa.create_engine(db, pool_size=1, max_overflow=0)
    instansi = f"i-{uuid.uuid4().hex[:6]}"
    employees, per_employee = 8, 60
    envelopes = [ev.activity_submitted(f"a-{uuid.uuid4().hex[:10]}", f"1980010120050{e:05d}", instansi, f"u-{e % 3}",
                                       "2025-11-03", skp_id="s1", kegiatan_id="k1", kuantitas="1", menit=30)
                 for n in range(per_employee) for e in range(employees)]
    poison = ev.activity_submitted("a-poison", "198001012005000003", instansi, "u-0", "2025-11-03",
                                   skp_id="s1", kegiatan_id="k1", kuantitas="1", menit=30)
    del poison["data"]["tanggal"]
    backlog = envelopes[:200] + [poison] + envelopes[200:] + envelopes[:50]  # and 50 duplicates
    wanted = [e["event_id"] for e in envelopes]
    process = testing.ServiceProcess("recap", testing.service_env(db, amqp_uri, test_keys.jwks_url,
                                                                  EKINERJA_DB_POOL_SIZE=2, EKINERJA_MAX_WORKERS=4))

    def applied() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM event_log WHERE event_id::text = ANY(:ids)"),
                                {"ids": wanted}).scalar()

    try:
        testing.publish_events(amqp_uri, backlog)  # queues declared by the publisher: the backlog waits
        process.start()
        assert wait_for(lambda: applied() >= 100, timeout=120, interval=0.05), "no progress"
        with engine.connect() as conn:  # kill recap's connections mid-run
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert wait_for(lambda: applied() == len(envelopes), timeout=180, interval=0.5), \
            f"{applied()} of {len(envelopes)} applied"
        with Connection(amqp_uri) as conn:
            channel = conn.channel()
            assert wait_for(lambda: sum(channel.queue_declare(f"{q}.dlq", passive=True)[1] for q in QUEUES) == 1,
                            timeout=30), "the poison event, and only it, is dead-lettered"
            assert wait_for(lambda: sum(channel.queue_declare(q, passive=True)[1] for q in QUEUES) == 0, timeout=30)
        with engine.connect() as conn:
            inbox = conn.execute(sa.text("SELECT count(*) FROM inbox WHERE event_id::text = ANY(:ids)"),
                                 {"ids": wanted}).scalar()
            poisoned = conn.execute(sa.text("SELECT count(*) FROM activities WHERE activity_id = 'a-poison'")).scalar()
            reported = conn.execute(sa.text(
                "SELECT nip, reported FROM employee_counters WHERE instansi_id = :i AND kind = 'day'"),
                {"i": instansi}).all()
            transactions = conn.execute(sa.text("SELECT count(DISTINCT xmin::text) FROM event_log "
                                                "WHERE event_id::text = ANY(:ids)"), {"ids": wanted}).scalar()
        assert inbox == len(envelopes) and poisoned == 0
        assert len(reported) == employees and {r.reported for r in reported} == {per_employee}, "nothing doubled"
        assert transactions <= len(envelopes) // 5, f"{transactions} transactions for {len(envelopes)} events"
        _, consumers = active_by_channel(vhost)
        assert consumers == len(QUEUES)
    finally:
        process.stop()
        engine.dispose()
        testing.drop_database(db)
