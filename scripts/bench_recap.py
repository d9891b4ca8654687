"""Benchmark of recap: unit recap latency over a large projection, and event lag while des-rate events stream in.

    .venv/bin/python scripts/bench_recap.py                 # 1,000,000 activity rows (several minutes)
    .venv/bin/python scripts/bench_recap.py --activities 200000 --seconds 10
    .venv/bin/python scripts/bench_recap.py --unit-recap-only --baseline-ref main   # the unit recap, before/after

Before/after in the same run: the same database is measured first with recap's code as of `--baseline-ref` (a git
commit, exported to a temporary directory and put first on PYTHONPATH; default: the commit before the two-statement
intake and the maintained achievement, now none: see BASELINE_REF), then with the working tree's code.

Runs on 127.0.0.1 only, in its own database and RabbitMQ vhost (removed at the end), with the real recap process.
The activity facts and their counters are bulk-loaded with set-based SQL (the same shape the projection writes:
approved, non-proses entries); live events then go through RabbitMQ into the running service.
Figures are printed beside a baseline measured in the same run: the latency of grpc.health Check on the same
process (a round trip that touches nothing), so ratios stay comparable across machines.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "libs"), str(ROOT / "services/recap"), str(ROOT / "build/gen")]

import grpc  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from bench_des import cpu_seconds  # noqa: E402
from kombu import Connection  # noqa: E402

from ekinerja_platform import testing, topology  # noqa: E402
from ekinerja_platform.outbox import Event  # noqa: E402

INSTANSI = "i-bench"
# The 'before' code of the two-statement intake (54f8226…) consumed one queue per des event type, which the
# partitioned topology (issue 21, docs/scale.md) no longer feeds: no code baseline by default; the health Check of
# the same process stays the same-run baseline, and `--baseline-ref` takes a commit that has the partitions.
BASELINE_REF = ""
# (the unit recap's subtree-first read was measured with `--baseline-ref 345afe41a7929875251d691cd35fe010d170d8ae`,
# before the partitions: docs/benchmarks.md, "System figures")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def load(engine, activities: int, units: int, per_unit: int) -> float:
    employees = units * per_unit
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("""
            CREATE TEMP TABLE bench_emp AS
            SELECT g AS i, lpad((198001010000000000 + g)::text, 18, '0') AS nip, 'u-' || (g / :per_unit) AS unit_id,
                   lpad((197001010000000000 + g / :per_unit)::text, 18, '0') AS penilai
            FROM generate_series(0, :employees - 1) g"""), {"per_unit": per_unit, "employees": employees})
        conn.execute(sa.text("""
            CREATE TEMP TABLE bench_day AS
            SELECT row_number() OVER (ORDER BY d) - 1 AS n, d::date AS tanggal
            FROM generate_series('2025-01-01'::date, '2025-12-31'::date, '1 day') d
            WHERE extract(isodow FROM d) < 6"""))
        days = conn.execute(sa.text("SELECT count(*) FROM bench_day")).scalar()
        conn.execute(sa.text("""
            INSERT INTO employees (nip, nama, instansi_id, golongan, status)
            SELECT nip, 'Pegawai ' || i, CAST(:inst AS text), 'III/a', 'aktif' FROM bench_emp"""), {"inst": INSTANSI})
        conn.execute(sa.text("""
            INSERT INTO assignments (assignment_id, nip, instansi_id, jabatan_id, unit_id, start_date, end_date,
                                     acting, penilai_nip, version)
            SELECT 'as-' || i, nip, CAST(:inst AS text), 'j-' || unit_id, unit_id, '2024-01-01', NULL, false, penilai, 1
            FROM bench_emp"""), {"inst": INSTANSI})
        conn.execute(sa.text("""
            INSERT INTO units (unit_id, instansi_id, nama)
            SELECT DISTINCT unit_id, CAST(:inst AS text), 'Unit ' || unit_id
            FROM bench_emp"""), {"inst": INSTANSI})
        conn.execute(sa.text("""
            INSERT INTO skps (skp_id, nip, instansi_id, unit_id, jabatan_id, period_start, period_end, penilai_nip,
                              version)
            SELECT 'skp-' || i, nip, CAST(:inst AS text), unit_id, 'j-' || unit_id, '2025-01-01', '2025-12-31',
                   penilai, 1
            FROM bench_emp"""), {"inst": INSTANSI})
        conn.execute(sa.text("""
            INSERT INTO skp_kegiatan (skp_id, kegiatan_id, nomor, nama, satuan, kuantitas)
            SELECT 'skp-' || i, 'k' || k, k, 'Kegiatan ' || k, 'dokumen', 60 FROM bench_emp, generate_series(1, 4) k
            """))
        conn.execute(sa.text("""
            INSERT INTO activities (activity_id, nip, instansi_id, unit_id, tanggal, status, locked, penilai_nip,
                                    submitted_at, state)
            SELECT 'b' || g, e.nip, CAST(:inst AS text), e.unit_id, d.tanggal, 'approved', false, e.penilai,
                   d.tanggal::timestamptz + interval '16 hours',
                   jsonb_build_object('nip', jsonb_build_array('[2,3]'::jsonb, e.nip),
                                      'tanggal', jsonb_build_array('[2,3]'::jsonb, d.tanggal::text),
                                      'unit_id', jsonb_build_array('[2,3]'::jsonb, e.unit_id),
                                      'instansi_id', jsonb_build_array('[2,3]'::jsonb, CAST(:inst AS text)),
                                      'skp_id', jsonb_build_array('[2,3]'::jsonb, 'skp-' || e.i),
                                      'kegiatan_id', jsonb_build_array('[2,3]'::jsonb, 'k' || (g % 4 + 1)),
                                      'jenis', jsonb_build_array('[2,3]'::jsonb, 'skp'),
                                      'kuantitas', jsonb_build_array('[1,1]'::jsonb, '1'),
                                      'kuantitas_diakui', jsonb_build_array('[2,3]'::jsonb, '1'),
                                      'menit', jsonb_build_array('[2,3]'::jsonb, 60),
                                      'proses', jsonb_build_array('[2,3]'::jsonb, false),
                                      'status', jsonb_build_array('[2,3]'::jsonb, 'approved'))
            FROM generate_series(0, :n - 1) g
            JOIN bench_emp e ON e.i = g % :employees
            JOIN bench_day d ON d.n = (g / :employees) % :days"""),
                     {"inst": INSTANSI, "n": activities, "employees": employees, "days": days})
        for kind, key in (("day", "to_char(tanggal, 'YYYY-MM-DD')"), ("week", "to_char(tanggal, 'IYYY-\"W\"IW')"),
                          ("month", "to_char(tanggal, 'YYYY-MM')"), ("year", "to_char(tanggal, 'YYYY')")):
            conn.execute(sa.text(f"""
                INSERT INTO employee_counters (unit_id, kind, period_key, nip, instansi_id, reported, reported_qty,
                    reported_minutes, approved, recognised_qty, recognised_qty_final, approved_minutes)
                SELECT unit_id, '{kind}', {key}, nip, instansi_id, count(*), count(*), 60 * count(*), count(*),
                       count(*), count(*), 60 * count(*)
                FROM activities GROUP BY unit_id, {key}, nip, instansi_id"""))
            if kind in ("month", "year"):
                conn.execute(sa.text(f"""
                    INSERT INTO kegiatan_counters (nip, kind, period_key, skp_id, kegiatan_id, reported, reported_qty,
                        reported_minutes, approved, recognised_qty, recognised_qty_final, approved_minutes)
                    SELECT nip, '{kind}', {key}, state->'skp_id'->>1, state->'kegiatan_id'->>1, count(*), count(*),
                           60 * count(*), count(*), count(*), count(*), 60 * count(*)
                    FROM activities GROUP BY nip, {key}, state->'skp_id'->>1, state->'kegiatan_id'->>1"""))
    from recap.adapters import achievement_sql
    with engine.begin() as conn:   # the maintained achievement, as the live intake would have left it
        achievement_sql.recompute_all(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def stream_events(amqp_uri, rate: float, seconds: float, employees: int, per_unit: int,
                  prefix: str = "live") -> int:
    """activity_submitted then activity_reviewed for fresh activities, paced at `rate` events per second."""
    sent = 0
    with Connection(testing.broker_user_uri(amqp_uri, "des")) as conn:  # as des's own broker user
        topology.declare(conn.default_channel, topology.queues_for_producer("des"))
        topology.declare_partitions(conn.default_channel, "des")
        producer = conn.Producer(serializer="json")
        started = time.perf_counter()
        total = int(rate * seconds)
        while sent < total:
            i = sent // 2 % employees
            nip = str(198001010000000000 + i)
            activity_id = f"{prefix}-{sent // 2}"
            common = {"activity_id": activity_id, "nip": nip, "instansi_id": INSTANSI, "unit_id": f"u-{i // per_unit}",
                      "tanggal": "2025-11-03", "skp_id": f"skp-{i}", "kegiatan_id": "k1", "jenis": "skp",
                      "menit": 30, "proses": False}
            if sent % 2 == 0:
                data = dict(common, kuantitas="1", penilai_nip="", version=1)
                event_type = "activity_submitted"
            else:
                data = dict(common, kuantitas_diakui="1", reviewer_nip="", submitted_at=None, reviewed_at=None,
                            version=2)
                event_type = "activity_reviewed"
            envelope = Event(event_type, "des", data, nip=nip, instansi_id=INSTANSI).envelope()
            producer.publish(envelope, exchange="des.events", routing_key=event_type,
                             message_id=envelope["event_id"], delivery_mode=2, user_id=conn.userid,
                             headers={topology.PARTITION_HEADER: topology.partition_key(nip, envelope["event_id"],
                                                                                        b"")})
            sent += 1
            ahead = sent / rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(ahead)
    return sent


def wait_applied(engine, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM event_log")).scalar() >= count:
                return True
        time.sleep(0.2)
    return False


def lags(engine) -> list[float]:
    with engine.connect() as conn:
        return [float(v) for v in conn.execute(sa.text(
            "SELECT extract(epoch FROM applied_at - (envelope->>'occurred_at')::timestamptz) FROM event_log"
        )).scalars()]


def export_baseline(ref: str, into: Path) -> Path:
    """recap's package as of `ref`, for a same-run baseline."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "services/recap/recap"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    # the same database serves both versions, and a service refuses a schema head its migrations do not name:
    # the baseline gets the working tree's migrations (its code reads none of the newer tables)
    shutil.copytree(ROOT / "services" / "recap" / "migrations", into / "services" / "recap" / "migrations")
    return into / "services" / "recap"


def measure(label, env, args, engine, amqp_uri, keys, prefix):
    """Unit recap latency, event lag at a fixed rate, and a burst's drain rate, for one version of the code."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from ekinerja.recap.v1 import recap_pb2 as pb
    from ekinerja.recap.v1 import recap_pb2_grpc
    out = {}
    process = testing.ServiceProcess("recap", env).start()
    try:
        auth = testing.bearer(keys.token(subject="bench-admin", roles=["admin_bkn"]))
        with grpc.insecure_channel(process.target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            stub = recap_pb2_grpc.RecapServiceStub(channel)
            request = pb.GetUnitRecapRequest(unit_id="u-0", period=pb.PERIOD_MONTH, date="2025-06-15",
                                             page_size=1000)
            reply = stub.GetUnitRecap(request, metadata=auth, timeout=60)
            with engine.connect() as conn:
                expected = conn.execute(sa.text("SELECT count(*) FROM activities WHERE unit_id = 'u-0' AND "
                                                "tanggal BETWEEN '2025-06-01' AND '2025-06-30'")).scalar()
            assert reply.totals.reported == expected and len(reply.rows) == args.per_unit, "recap disagrees"
            out["achievement"] = reply.totals.achievement_pct
            # every row and total of the month and year pages, for the before/after comparison
            out["replies"] = [stub.GetUnitRecap(pb.GetUnitRecapRequest(
                unit_id="u-0", period=period, date="2025-06-15", page_size=1000), metadata=auth,
                timeout=60).SerializeToString(deterministic=True) for period in (pb.PERIOD_MONTH, pb.PERIOD_YEAR)]
            out["baseline"] = timed(lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=10), args.repeat)
            request = pb.GetUnitRecapRequest(unit_id="u-0", period=pb.PERIOD_MONTH, date="2025-06-15",
                                             page_size=args.page_size)
            year_request = pb.GetUnitRecapRequest(unit_id="u-0", period=pb.PERIOD_YEAR, date="2025-06-15",
                                                  page_size=args.page_size)
            # month and year take turns, the same number of calls each: a p95 of fewer calls is nearer their max,
            # and a drift of the shared machine's load then hits both alike
            # and recap's CPU per call (from /proc: steadier than latency on a shared machine)
            out["month"], out["year"], cpu = [], [], {"month": 0.0, "year": 0.0}
            for _ in range(args.repeat):
                for name, req in (("month", request), ("year", year_request)):
                    before = cpu_seconds(process.process.pid)
                    out[name] += timed(lambda req=req: stub.GetUnitRecap(req, metadata=auth, timeout=60), 1)
                    cpu[name] += cpu_seconds(process.process.pid) - before
            out["cpu"] = {name: 1000 * used / args.repeat for name, used in cpu.items()}
        if args.unit_recap_only:
            return out
        with engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE event_log"))
        print(f"[{label}] streaming {args.rate:.0f} events/s for {args.seconds:.0f}s …", flush=True)
        started = time.perf_counter()
        sent = stream_events(amqp_uri, args.rate, args.seconds, args.units * args.per_unit, args.per_unit,
                             prefix=f"{prefix}-live")
        out["drained"] = wait_applied(engine, sent, timeout=300)
        out["stream_seconds"] = time.perf_counter() - started
        out["lags"] = lags(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE event_log"))
        burst = int(args.burst)
        started = time.perf_counter()
        stream_events(amqp_uri, 1e9, burst / 1e9, args.units * args.per_unit, args.per_unit,
                      prefix=f"{prefix}-burst")
        wait_applied(engine, burst, timeout=600)
        out["capacity"] = burst / (time.perf_counter() - started)
    finally:
        process.stop()
    return out


def report(label, r, rows):
    b95 = pct(r["baseline"], 95)
    print(f"[{label}] baseline health Check        p50 {statistics.median(r['baseline']):7.1f} ms  p95 {b95:7.1f} ms")
    for name in ("month", "year"):
        p95 = pct(r[name], 95)
        print(f"[{label}] unit recap {name:5s}, {rows} rows  p50 {statistics.median(r[name]):7.1f} ms  "
              f"p95 {p95:7.1f} ms  ({p95 / b95:.1f}x baseline; target 50 ms: {'met' if p95 <= 50 else 'NOT met'}); "
              f"recap CPU {r['cpu'][name]:.1f} ms per call")
    if "lags" not in r:
        return
    values = r["lags"]
    print(f"[{label}] event lag over {len(values)} events  p50 {statistics.median(values):.3f} s  "
          f"p99 {pct(values, 99):.3f} s  max {max(values):.3f} s  ({'drained' if r['drained'] else 'NOT drained'} "
          f"in {r['stream_seconds']:.1f}s; target p99 < 2 s: {'met' if pct(values, 99) < 2 else 'NOT met'})")
    print(f"[{label}] burst drained at {r['capacity']:.0f} events/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=5)
    parser.add_argument("--per-unit", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=150.0, help="events/s streamed (des submit + review)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--burst", type=int, default=3000, help="events published at once to find the drain rate")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--unit-recap-only", action="store_true",
                        help="measure the unit recap only (no event streaming or burst)")
    parser.add_argument("--page-size", type=int, default=1000, help="GetUnitRecap page size measured")
    parser.add_argument("--baseline-ref", default=BASELINE_REF,
                        help="git commit of the 'before' code ('' to measure only the working tree)")
    args = parser.parse_args()

    db_url = testing.migrated_database("recap")
    amqp_uri = testing.create_vhost()
    results = {}
    try:
        with testing.temporary_directory() as keys_dir, tempfile.TemporaryDirectory() as old_dir:
            keys = testing.TestKeys(keys_dir)
            engine = sa.create_engine(db_url)
            print(f"loading {args.activities:,} activity rows for {args.units * args.per_unit:,} employees …",
                  flush=True)
            seconds = load(engine, args.activities, args.units, args.per_unit)
            print(f"  loaded in {seconds:.1f}s", flush=True)
            env = testing.service_env(db_url, amqp_uri, keys.jwks_url)
            versions = [("after", env)]
            if args.baseline_ref:
                old = export_baseline(args.baseline_ref, Path(old_dir))
                versions.insert(0, ("before", {**env, "PYTHONPATH": os.pathsep.join(
                    [str(old), str(ROOT / "libs"), str(ROOT / "build/gen")])}))
            for label, version_env in versions:
                results[label] = measure(label, version_env, args, engine, amqp_uri, keys, label)
                report(label, results[label], min(args.per_unit, args.page_size))
            if "before" in results:
                before, after = results["before"], results["after"]
                assert before["achievement"] == after["achievement"], "the two versions disagree"
                assert before["replies"] == after["replies"], "the two versions' unit recap pages differ"
                print("after / before (same run, same data):")
                for name in ("month", "year"):
                    print(f"  unit recap {name} p95: {pct(before[name], 95):.1f} → {pct(after[name], 95):.1f} ms "
                          f"({pct(before[name], 95) / pct(after[name], 95):.1f}x faster)")
                if not args.unit_recap_only:
                    print(f"  event lag p99 at {args.rate:.0f}/s: {pct(before['lags'], 99):.3f} → "
                          f"{pct(after['lags'], 99):.3f} s")
                    print(f"  burst drain rate: {before['capacity']:.0f} → {after['capacity']:.0f} events/s "
                          f"({after['capacity'] / before['capacity']:.2f}x)")
            engine.dispose()
    finally:
        testing.delete_vhost(amqp_uri)
        testing.drop_database(db_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
