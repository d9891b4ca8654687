"""Benchmark of des's event stream into recap over the partition queues (issue 21 item 2, docs/scale.md).

    .venv/bin/python scripts/bench_events.py                 # ~3 minutes
    .venv/bin/python scripts/bench_events.py --burst 6000 --seconds 10

All in one run, on 127.0.0.1, in throwaway databases and a throwaway RabbitMQ vhost (removed at the end):
1. des's maximum SubmitActivity rate: 32 calls in flight for `--seconds`, recap not running (the baseline);
2. recap's sustained drain rate with 1 process, then with 2 processes (EKINERJA_PARTITION_SHARE 0/2 and 1/2): a
   backlog of `--burst` activity events is waiting in the partition queues when recap starts; the rate is taken
   between the first and the last event recap applied (`event_log.applied_at`), so process start-up is not in it;
3. event lag (des's `occurred_at` -> recap's `applied_at`) p50/p99 while des takes SubmitActivity at 32 in flight
   with the 2 recap processes running, and des's rate meanwhile (des, its relay, RabbitMQ, PostgreSQL and two recap
   processes share the machine's cores).
Ratios are against des's rate of (1), measured in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "libs"), str(ROOT / "build/gen"), str(ROOT / "scripts")]

from bench_des import cpu_seconds, cpu_since, load, nip_for, processes_cpu  # noqa: E402
from bench_stack import des_bench  # noqa: E402

from ekinerja_platform import testing, topology  # noqa: E402
from ekinerja_platform.outbox import Event  # noqa: E402

INSTANSI = "i-bench"
QUEUES = {q.name for q in topology.partition_queues("recap", "des")}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def submit_rate(des, employees, seconds, des_engine=None) -> tuple[float, tuple[float, float]]:
    """(SubmitActivity/s at 32 in flight, (des + relay CPU ms, des's PostgreSQL CPU ms) per submit)."""
    from ekinerja.des.v1 import des_pb2 as m
    from ekinerja.des.v1 import des_pb2_grpc

    def submit(channel):
        stub = des_pb2_grpc.DesServiceStub(channel)

        def call(i):
            nip, skp_id, md = employees[i % len(employees)]
            return stub.SubmitActivity(m.SubmitActivityRequest(
                activity=m.ActivityInput(kegiatan_id=f"{skp_id}-k{1 + i % 3}", uraian="menyusun laporan",
                                         kuantitas="1", menit=60),
                idempotency_key=uuid.uuid4().hex), metadata=md, timeout=30)
        return call
    cpu = Cpu(des_engine, [des.process.pid]).start() if des_engine is not None else None
    latencies, elapsed, warm_up = asyncio.run(load(des.target, submit, 32, seconds))
    return len(latencies) / elapsed, (cpu.stop(len(latencies) + warm_up) if cpu else (0.0, 0.0))


def backends_cpu(engine) -> dict[int, float]:
    """CPU so far of the PostgreSQL backends serving `engine`'s database (not the other users of the server)."""
    with engine.connect() as conn:
        pids = set(conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid()")).scalars())
    return {pid: used for pid, used in processes_cpu("postgres").items() if pid in pids}


def tree_cpu(pids) -> dict[int, float]:
    """CPU so far of the processes `pids` and their relay children."""
    out = {}
    for pid in pids:
        for p in (pid, *testing.relay_children(pid)):
            try:
                out[p] = cpu_seconds(p)
            except OSError:
                continue
    return out


class Cpu:
    """CPU ms per item of some processes and of their PostgreSQL backends, from `start()` to `stop(items)`."""

    def __init__(self, engine, pids):
        self.engine, self.pids = engine, pids

    def start(self):
        self.proc, self.pg = tree_cpu(self.pids), backends_cpu(self.engine)
        return self

    def stop(self, items: int) -> tuple[float, float]:
        # backends that appeared meanwhile count from zero; those that ended are lost (pools keep theirs)
        proc = cpu_since(self.proc, tree_cpu(self.pids))
        pg = cpu_since(self.pg, backends_cpu(self.engine))
        return proc * 1000 / max(1, items), pg * 1000 / max(1, items)


def scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def outbox_empty(des_engine) -> bool:
    return scalar(des_engine, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


def purge_partitions(amqp_uri) -> None:
    from kombu import Connection
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        for name in sorted(QUEUES):
            channel.queue_purge(name)


def backlog(amqp_uri, count: int, employees: int, prefix: str) -> None:
    envelopes = []
    for n in range(count):
        i = n % employees
        nip = nip_for(i)
        envelopes.append(Event("activity_submitted", "des", {
            "activity_id": f"{prefix}-{n}", "nip": nip, "instansi_id": INSTANSI, "unit_id": f"u-{i % 5}",
            "tanggal": "2025-11-03", "skp_id": f"skp-{i}", "kegiatan_id": "k1", "jenis": "skp", "menit": 30,
            "proses": False, "kuantitas": "1", "penilai_nip": "", "version": 1}, nip=nip,
            instansi_id=INSTANSI).envelope())
    testing.publish_events(amqp_uri, envelopes)


def applied(engine) -> tuple[int, float]:
    """(events in recap's event log, seconds between the first and the last applied)."""
    with engine.connect() as conn:
        count, spread = conn.execute(sa.text(
            "SELECT count(*), coalesce(extract(epoch FROM max(applied_at) - min(applied_at)), 0) FROM event_log "
            "WHERE producer = 'des'")).one()
    return count, float(spread)


def wait(predicate, timeout, interval=0.2) -> bool:
    return testing.wait_for(predicate, timeout=timeout, interval=interval)


def start_recaps(env, count):
    processes = [testing.ServiceProcess("recap", {**env, **({"EKINERJA_PARTITION_SHARE": f"{i}/{count}"}
                                                            if count > 1 else {})}) for i in range(count)]
    threads = [threading.Thread(target=p.start) for p in processes]  # side by side: each takes its share first
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return processes


def active_split(vhost) -> list[int]:
    from collections import Counter
    rows = testing.rabbitmqctl_rows("list_consumers", "-p", vhost, "queue_name", "channel_pid", "active")
    return sorted(Counter(ch for q, ch, active in rows if q in QUEUES and active == "true").values())


def drain(label, env, engine, amqp_uri, args, processes_count) -> float:
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE event_log"))
    backlog(amqp_uri, args.burst, args.employees, f"{label}-{uuid.uuid4().hex[:6]}")
    processes = start_recaps(env, processes_count)
    try:
        cpu, at_start = Cpu(engine, [p.process.pid for p in processes]).start(), applied(engine)[0]
        if not wait(lambda: applied(engine)[0] >= args.burst, 600):
            raise SystemExit(f"[{label}] backlog not drained: {applied(engine)[0]} of {args.burst}")
        count, spread = applied(engine)
        recap_ms, pg_ms = cpu.stop(count - at_start)
        split = active_split(amqp_uri.rsplit("/", 1)[1])
    finally:
        for process in processes:
            process.stop()
    rate = (count - 1) / spread if spread else float("inf")
    print(f"[{label}] {count} events drained at {rate:.0f} events/s (active partitions per process: {split}); "
          f"CPU per event: recap {recap_ms:.2f} ms, its PostgreSQL backends {pg_ms:.2f} ms", flush=True)
    return rate, recap_ms, pg_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of SubmitActivity load per phase")
    parser.add_argument("--burst", type=int, default=6000, help="backlog recap drains, per process count")
    parser.add_argument("--employees", type=int, default=100)
    args = parser.parse_args()

    with des_bench("bench-events-") as bench:
        des = bench.start_des()
        employees = bench.employees_with_skp(args.employees, kuantitas="100000", units=5)
        recap_db = testing.migrated_database("recap")
        bench.on_exit(lambda: testing.drop_database(recap_db))
        recap_env = testing.service_env(recap_db, bench.amqp_uri, bench.keys.jwks_url, EKINERJA_LOG_LEVEL="WARNING",
                                        EKINERJA_PARTITION_STANDBY_SECONDS=15)
        des_engine, recap_engine = bench.engine(), sa.create_engine(recap_db, pool_size=1)
        bench.on_exit(recap_engine.dispose)
        amqp_uri = bench.amqp_uri

        print("des and recap over the partition queues "
              f"({len(QUEUES)} partitions; shared 2-core machine, other users' load included)", flush=True)
        submit_rate(des, employees, 3)  # warm-up, unmeasured
        des_alone, (des_ms, des_pg_ms) = submit_rate(des, employees, args.seconds, des_engine)
        print(f"[des] SubmitActivity, 32 in flight, recap stopped: {des_alone:.0f} req/s; CPU per submit: des and "
              f"its relay {des_ms:.2f} ms, its PostgreSQL backends {des_pg_ms:.2f} ms", flush=True)
        wait(lambda: outbox_empty(des_engine), 300)
        purge_partitions(amqp_uri)  # its events are not part of the drain measurements

        one, recap_ms, recap_pg_ms = drain("recap x1", recap_env, recap_engine, amqp_uri, args, 1)
        two, _, _ = drain("recap x2", recap_env, recap_engine, amqp_uri, args, 2)

        with recap_engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE event_log"))
        processes = start_recaps(recap_env, 2)
        try:
            vhost = amqp_uri.rsplit("/", 1)[1]
            wait(lambda: len([r for r in testing.rabbitmqctl_rows("list_consumers", "-p", vhost, "queue_name")
                              if r[0] in QUEUES]) == 2 * len(QUEUES), 120, 1.0)  # the standby subscriptions too
            print(f"[lag] active partitions per process: {active_split(amqp_uri.rsplit('/', 1)[1])}", flush=True)
            before = scalar(des_engine, "SELECT count(*) FROM outbox")
            started = time.perf_counter()
            des_with_recap, _ = submit_rate(des, employees, args.seconds)
            wait(lambda: outbox_empty(des_engine), 300)
            sent = scalar(des_engine, "SELECT count(*) FROM outbox") - before
            drained = wait(lambda: applied(recap_engine)[0] >= sent, 300)
            after_load = time.perf_counter() - started - args.seconds
            with recap_engine.connect() as conn:
                lags = [float(v) for v in conn.execute(sa.text(
                    "SELECT extract(epoch FROM applied_at - (envelope->>'occurred_at')::timestamptz) FROM event_log "
                    "WHERE producer = 'des'")).scalars()]
        finally:
            for process in processes:
                process.stop()
        print(f"[lag] SubmitActivity, 32 in flight, 2 recap processes running: {des_with_recap:.0f} req/s; "
              f"{len(lags)} events, lag p50 {statistics.median(lags):.3f} s  p99 {pct(lags, 99):.3f} s  "
              f"max {max(lags):.3f} s ({'drained' if drained else 'NOT drained'} {after_load:.1f} s after the load)")
        print("ratios (same run):")
        print(f"  recap drain x1 / des max rate: {one / des_alone:.2f}")
        print(f"  recap drain x2 / des max rate: {two / des_alone:.2f}  (goal >= 1: "
              f"{'met' if two >= des_alone else 'NOT met'})")
        print(f"  recap drain x2 / x1: {two / one:.2f}")
        des_core = 1000 / (des_ms + des_pg_ms)
        recap_core = 1000 / (recap_ms + recap_pg_ms)
        print(f"  per core of CPU (service + its PostgreSQL backends, RabbitMQ left out): des {des_core:.0f} "
              f"submits/s, recap {recap_core:.0f} events/s; recap / des = {recap_core / des_core:.2f}")
        print(f"  event lag p99 at des's rate with recap x2: {pct(lags, 99):.3f} s (goal < 2 s: "
              f"{'met' if pct(lags, 99) < 2 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
