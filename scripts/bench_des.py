"""Benchmark of des (run by `make bench`): figures as ratios to baselines measured in the same run.

1. SubmitActivity requests/s at 1, 8 and 32 in flight (p50/p99), beside a nameko-grpc hello-world (the platform
   probe's PUBLIC `Open` RPC) served the same way on the same machine, measured in alternating slices.
   Goal: at 32 in flight ≥ 60 % of hello-world. Below each level, in the same alternating slices, nameko-grpc's own
   hello-world as the library ships it (`stock_hello.py`, none of the platform's transport changes): the issue's
   words name "a nameko-grpc hello-world", and the goal line is judged against the platform's faster one so that
   transport work every service shares cannot flatter des. And a plain grpcio hello-world (`grpcio_hello.py`:
   grpc.server with a thread pool, no nameko): issue 17's baseline, which no change to the platform moves.
   Also below each level: the share of the slices the
   server's main thread ran on a core and the share it was ready but waited for one (/proc/PID/schedstat): des
   shares the two cores with PostgreSQL, the relay and RabbitMQ, the hello-world only with the client.
2. ImportActivities rows/s (one client stream, large batches, 50,000 records with some bad ones) beside a raw
   PostgreSQL COPY of the same rows into a plain table. Goal: ≥ 20,000 rows/s.
After 1: des's own work per submit without the transport (scripts/des_core_cost.py), as a share of a served
submit's CPU at the last level.

Beside each rate: the CPU time the serving process spent per request (user + system, from /proc), a steadier
signal than the rate on a shared machine, PostgreSQL's CPU per request, how busy the whole machine was (client,
PostgreSQL and RabbitMQ included), the share of a core the load-generating client used and, for des, the CPU per
request of what carries its events out (its relay child and RabbitMQ: "ev ms"). Both services get the
same transport and worker settings (`EKINERJA_GRPC_POLL_SECONDS`, `EKINERJA_MAX_WORKERS`, from the environment or
their defaults). Before the import the submits' events are left to drain; after it, the benchmark prints when the
import's events had all been published. Everything runs against 127.0.0.1 in throwaway databases and a throwaway
RabbitMQ vhost, and stops by itself.
Each server first gets `--warm-up` seconds of unmeasured load at 32 in flight.
Usage: .venv/bin/python scripts/bench_des.py [--seconds 5] [--records 50000] [--levels 1,8,32] [--no-import]
       [--warm-up 3]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import grpc
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs"))
from bench_stack import des_bench, nip_for, same_transport_settings, today  # noqa: E402,F401 (re-exported)

from ekinerja_platform import testing  # noqa: E402
from ekinerja_platform.db import platform_metadata  # noqa: E402

PROBE_DIR = ROOT / "libs" / "ekinerja_platform" / "tests" / "probe"


def start_probe(amqp_uri, keys, workdir, **settings):
    gen = Path(workdir) / "probe_gen"
    gen.mkdir()
    protos = PROBE_DIR / "protos"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={gen}",
                    f"--grpc_python_out={gen}", str(protos / "ekinerja/probe/v1/probe.proto"),
                    str(protos / "ekinerja/probe/v1/equivalence.proto")], check=True)
    sys.path.insert(0, str(gen))
    url = testing.create_database("bench_probe")
    engine = sa.create_engine(url)
    platform_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE applied (text text)"))
    engine.dispose()
    env = testing.service_env(url, amqp_uri, keys.jwks_url, EKINERJA_LOG_LEVEL="WARNING", **settings)
    env["PYTHONPATH"] = os.pathsep.join([str(PROBE_DIR), str(gen), os.environ.get("PYTHONPATH", "")])
    return testing.ServiceProcess("probe_main", env).start(), url


def _stat_cpu(stat_text: str) -> float:
    """User + system CPU seconds from the text of /proc/<pid>/stat."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    return _stat_cpu(Path(f"/proc/{pid}/stat").read_text())


def processes_cpu(comm: str) -> dict[int, float]:
    """CPU time used so far by each process whose command name starts with `comm` (e.g. every PostgreSQL
    backend, RabbitMQ's beam.smp), by pid."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if text.split(" ", 2)[1].startswith(f"({comm}"):
            used[int(stat.parent.name)] = _stat_cpu(text)
    return used


def postgres_cpu() -> dict[int, float]:
    return processes_cpu("postgres")


def cpu_since(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU seconds since `before` (processes that ended meanwhile are not counted)."""
    return sum(max(0.0, used - before.get(pid, 0.0)) for pid, used in now.items())


def postgres_cpu_since(before: dict[int, float]) -> float:
    return cpu_since(before, postgres_cpu())


def events_cpu(service_pid: int) -> dict[int, float]:
    """CPU so far of what carries a service's events out: its relay child (if any) and the RabbitMQ broker."""
    used = processes_cpu("beam.smp")
    for pid in testing.relay_children(service_pid):
        try:
            used[pid] = cpu_seconds(pid)
        except OSError:
            continue
    return used


def des_core_cost() -> dict:
    """scripts/des_core_cost.py's figures (run in its own process: it monkey-patches for eventlet)."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "des_core_cost.py")], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def scheduler_seconds(pid: int) -> tuple[float, float]:
    """(seconds on a core, seconds ready to run but waiting for one) of a process's main thread so far."""
    on_core, waiting = Path(f"/proc/{pid}/schedstat").read_text().split()[:2]
    return int(on_core) / 1e9, int(waiting) / 1e9


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Tally:
    """Calls, latencies and CPU of one server over the slices it was measured in."""

    def __init__(self, service):
        self.service = service
        self.latencies, self.elapsed, self.cpu, self.pg_cpu, self.busy, self.ticks = [], 0.0, 0.0, 0.0, 0, 0
        self.client_cpu, self.events_cpu = 0.0, 0.0
        self.wall, self.on_core, self.waiting = 0.0, 0.0, 0.0

    def slice(self, target, make_call, in_flight, seconds):
        sched_before, wall_before = scheduler_seconds(self.service.process.pid), time.perf_counter()
        cpu_before, (busy_before, ticks_before) = cpu_seconds(self.service.process.pid), machine_ticks()
        pg_before, client_before = postgres_cpu(), cpu_seconds(os.getpid())
        events_before = events_cpu(self.service.process.pid)
        latencies, elapsed, warm_up = asyncio.run(load(target, make_call, in_flight, seconds))
        busy_after, ticks_after = machine_ticks()
        self.latencies += latencies
        self.elapsed += elapsed
        # the CPU of the warm-up calls is in the interval too: count them as calls for the CPU share
        self.cpu += (cpu_seconds(self.service.process.pid) - cpu_before) * len(latencies) / (len(latencies) + warm_up)
        self.pg_cpu += postgres_cpu_since(pg_before)
        self.client_cpu += cpu_seconds(os.getpid()) - client_before
        self.events_cpu += cpu_since(events_before, events_cpu(self.service.process.pid))
        self.busy += busy_after - busy_before
        self.ticks += ticks_after - ticks_before
        sched_after = scheduler_seconds(self.service.process.pid)
        self.wall += time.perf_counter() - wall_before
        self.on_core += sched_after[0] - sched_before[0]
        self.waiting += sched_after[1] - sched_before[1]

    def figures(self):
        """(req/s, p50 ms, p99 ms, the service process's CPU ms per request, the machine's busy share,
        PostgreSQL's CPU ms per request, the client's share of a core, relay child + RabbitMQ CPU ms per request,
        the share of the slices the service's main thread ran on a core, the share it was ready but waited for one)."""
        lat = sorted(self.latencies)
        return (len(lat) / self.elapsed, lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
                self.cpu * 1000 / len(lat), self.busy / max(1, self.ticks), self.pg_cpu * 1000 / len(lat),
                self.client_cpu / self.elapsed, self.events_cpu * 1000 / len(lat),
                self.on_core / self.wall, self.waiting / self.wall)


def submit_calls(stub, employees, timeout: float):
    """`call(i)`: one SubmitActivity of employee i (cycling), a fresh idempotency key each: the unit of load."""
    from ekinerja.des.v1 import des_pb2 as m

    def call(i):
        _nip, skp_id, md = employees[i % len(employees)]
        return stub.SubmitActivity(m.SubmitActivityRequest(
            activity=m.ActivityInput(kegiatan_id=f"{skp_id}-k{1 + i % 3}", uraian="menyusun laporan",
                                     kuantitas="1", menit=60),
            idempotency_key=uuid.uuid4().hex), metadata=md, timeout=timeout)
    return call


def compare(servers, in_flight, seconds, slices=4):
    """Every server measured in alternating slices, so a drift of the shared machine's speed hits all alike.
    `servers`: (Tally, target, make_call) each; returns their figures in the same order."""
    for _ in range(slices):
        for tally, target, make_call in servers:
            tally.slice(target, make_call, in_flight, seconds / slices)
    return [tally.figures() for tally, _, _ in servers]


async def load(target, make_call, in_flight, seconds):
    """(latencies of the calls, seconds they took, number of warm-up calls before them)."""
    latencies = []
    warm_up = 20
    async with grpc.aio.insecure_channel(target) as channel:
        call = make_call(channel)
        for _ in range(warm_up):
            await call(0)
        stop = time.perf_counter() + seconds
        counter = iter(range(10**9))

        async def worker():
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await call(next(counter))
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        elapsed = time.perf_counter() - began
    return latencies, elapsed, warm_up


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--levels", default="1,8,32", help="in-flight levels of the SubmitActivity comparison")
    parser.add_argument("--no-import", action="store_true", help="only the SubmitActivity comparison")
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds of unmeasured load on each server first")
    args, _ = parser.parse_known_args()
    same = same_transport_settings()  # the same for the baselines and for des

    with des_bench("bench-des-", EKINERJA_MAX_REQUEST_BYTES=16 << 20, **same) as bench:
        des = bench.start_des()
        probe, probe_db = start_probe(bench.amqp_uri, bench.keys, bench.workdir, **same)
        bench.on_exit(lambda: testing.drop_database(probe_db))
        bench.on_exit(probe.stop)
        employees = bench.employees_with_skp(args.employees)  # des learns them from skp_approved events
        sys.path.insert(0, str(PROBE_DIR))
        from probe_support import GrpcioHello, StockHello
        stock = StockHello(bench.workdir / "probe_gen", same["EKINERJA_MAX_WORKERS"])
        bench.on_exit(stock.stop)
        stock.wait_answering()
        plain = GrpcioHello(bench.workdir / "probe_gen", same["EKINERJA_MAX_WORKERS"])
        bench.on_exit(plain.stop)
        plain.wait_answering()
        compare_submit(args, same, des, probe, stock, plain, employees)
        if args.no_import:
            return
        # the import starts on a quiet machine: the submits' events published first
        bench.wait_outbox_sent()
        time.sleep(1)
        measure_import(args, bench, des, employees)


def compare_submit(args, same: dict, des, probe, stock, plain, employees) -> None:
    """Part 1: SubmitActivity beside the three hello-worlds, per in-flight level, in alternating slices."""
    from ekinerja.des.v1 import des_pb2_grpc
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc

    def hello(channel):
        stub = probe_pb2_grpc.ProbeServiceStub(channel)
        return lambda i: stub.Open(probe_pb2.EchoRequest(text="hi"), timeout=30)

    def submit(channel):
        return submit_calls(des_pb2_grpc.DesServiceStub(channel), employees, timeout=30)

    print(f"SubmitActivity vs nameko-grpc hello-world ({args.seconds:.0f}s per level and server, in 4 alternating "
          "slices, 127.0.0.1; all with " + ", ".join(f"{k}={v}" for k, v in same.items()) + ")")
    print(f"{'in flight':>9} | {'hello req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} {'busy':>4} "
          f"{'client':>6} | {'submit req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} {'pg ms':>5} "
          f"{'ev ms':>5} {'busy':>4} {'client':>6} | ratio")
    # every server warmed first, unmeasured: des's first seconds fill its per-day context cache and prepare its
    # statements on each pooled connection, which a running service did long ago
    for target, make_call in ((probe.target, hello), (des.target, submit), (stock.target, hello),
                              (plain.target, hello)):
        asyncio.run(load(target, make_call, 32, args.warm_up))
    ratio32 = plain32 = served_cpu_ms = served_level = None
    for n in (int(level) for level in args.levels.split(",") if level):
        h, s, st, pl = compare([(Tally(probe), probe.target, hello), (Tally(des), des.target, submit),
                                (Tally(stock), stock.target, hello), (Tally(plain), plain.target, hello)],
                               n, args.seconds)
        ratio = s[0] / h[0]
        ratio32 = ratio if n == 32 else ratio32
        plain32 = s[0] / pl[0] if n == 32 else plain32
        served_cpu_ms, served_level = s[3], n
        print_level(n, h, s, st, pl)
    print_goals(ratio32, plain32, served_cpu_ms, served_level)


def print_level(n: int, h, s, st, pl) -> None:
    print(f"{n:>9} | {h[0]:>11.0f} {h[1]:>7.1f} {h[2]:>7.1f} {h[3]:>6.2f} {h[4]:>4.0%} {h[6]:>6.0%} | "
          f"{s[0]:>12.0f} {s[1]:>7.1f} {s[2]:>7.1f} {s[3]:>6.2f} {s[5]:>5.2f} {s[7]:>5.2f} {s[4]:>4.0%} "
          f"{s[6]:>6.0%} | "
          f"{s[0] / h[0]:.0%}")
    print(f"{'':>9}   on a core / waiting for one: hello-world {h[8]:.0%} / {h[9]:.0%}, SubmitActivity "
          f"{s[8]:.0%} / {s[9]:.0%}; stock nameko-grpc hello-world {st[0]:.0f} req/s (p50 {st[1]:.1f}, "
          f"p99 {st[2]:.1f} ms, cpu {st[3]:.2f} ms, on a core {st[8]:.0%}): "
          f"SubmitActivity = {s[0] / st[0]:.0%} of it")
    print(f"{'':>9}   plain grpcio hello-world (grpcio_hello.py: grpc.server, no nameko) {pl[0]:.0f} req/s "
          f"(p50 {pl[1]:.1f}, p99 {pl[2]:.1f} ms, cpu {pl[3]:.2f} ms): "
          f"SubmitActivity = {s[0] / pl[0]:.0%} of it")


def print_goals(ratio32, plain32, served_cpu_ms, served_level) -> None:
    if ratio32 is not None:
        print(f"goal: SubmitActivity at 32 in flight >= 60% of hello-world: "
              f"{'MET' if ratio32 >= 0.6 else 'NOT MET'} ({ratio32:.1%})")
    if plain32 is not None:  # issue 17: this ratio must not fall with a change
        print(f"SubmitActivity at 32 in flight / plain grpcio hello-world, same run: {plain32:.1%}")
    if served_cpu_ms is not None:
        core = des_core_cost()
        print(f"des's own work without the transport (scripts/des_core_cost.py: the same API function from 20 "
              f"green threads in one process): {core['cpu_ms_per_submit']:.2f} ms CPU per submit = "
              f"{core['cpu_ms_per_submit'] / served_cpu_ms:.0%} of a served submit's "
              f"({served_cpu_ms:.2f} ms at {served_level} in flight); {core['submits_per_s']:,.0f} submits/s, "
              f"{core['rows_per_statement']:.1f} rows per statement")


def measure_import(args, bench, des, employees) -> None:
    """Part 2: ImportActivities, one stream of `--records` records (~1 % bad), beside a raw COPY of the same rows."""
    from ekinerja.des.v1 import des_pb2 as m
    from ekinerja.des.v1 import des_pb2_grpc

    day, instansi = today(), "i-bench"
    agency = testing.bearer(bench.keys.token(subject="agency-bench", roles=["agency_client"], instansi=instansi,
                                             scope="des:import"))
    records = []
    for i in range(args.records):
        nip, skp_id, _ = employees[i % len(employees)]
        rec = m.ImportRecord(record_id=f"r-{i}", nip=nip, tanggal=day.isoformat(), jenis=m.JENIS_SKP,
                             kegiatan_id=f"{skp_id}-k{1 + i % 3}", uraian=f"kegiatan impor nomor {i}",
                             kuantitas="1", menit=30)
        if i % 100 == 0:
            rec.kuantitas = "-1"
        records.append(rec)
    batch = 5000
    with grpc.insecure_channel(des.target, options=[("grpc.max_receive_message_length", 64 << 20),
                                                    ("grpc.max_send_message_length", 64 << 20)]) as channel:
        stub = des_pb2_grpc.DesServiceStub(channel)
        des_cpu, pg_cpu = cpu_seconds(des.process.pid), postgres_cpu()
        started = time.perf_counter()
        reply = stub.ImportActivities(
            (m.ImportActivitiesRequest(records=records[i:i + batch]) for i in range(0, len(records), batch)),
            metadata=agency, timeout=600)
        import_s = time.perf_counter() - started
        des_cpu, pg_cpu = cpu_seconds(des.process.pid) - des_cpu, postgres_cpu_since(pg_cpu)
    rows_s = len(records) / import_s
    # the import's events are in the outbox when it answers; the relay publishes them afterwards
    bench.wait_outbox_sent()
    published_s = time.perf_counter() - started
    copy_rows_s = len(records) / raw_copy_seconds(bench.engine(), records, day, instansi)
    print(f"ImportActivities: {len(records):,} records ({reply.created:,} created, {reply.rejected:,} rejected) "
          f"in {import_s:.2f}s = {rows_s:,.0f} rows/s; raw COPY {copy_rows_s:,.0f} rows/s; "
          f"ratio {rows_s / copy_rows_s:.1%}; CPU during the stream: des {des_cpu:.2f}s, PostgreSQL {pg_cpu:.2f}s")
    print(f"goal: import >= 20,000 rows/s: {'MET' if rows_s >= 20_000 else 'NOT MET'}; all its events published "
          f"{published_s:.1f}s after the stream started")


def raw_copy_seconds(engine, records, day, instansi) -> float:
    """A raw COPY of the same rows into a plain table, same database, same machine: the import's ceiling."""
    lines = "".join(f"{r.nip}\t{day.isoformat()}\t{uuid.uuid4()}\t{instansi}\tu-1\t{r.nip}\t{r.kegiatan_id}\tskp\t"
                    f"{r.uraian}\t{r.kuantitas}\tlaporan\t30\tf\tsubmitted\t1\n" for r in records)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("CREATE TABLE bench_copy (nip text, tanggal date, activity_id uuid, instansi_id text, "
                    "unit_id text, skp_id text, kegiatan_id text, jenis text, uraian text, kuantitas numeric, "
                    "satuan text, menit int, proses bool, state text, version int)")
        raw.commit()
        started = time.perf_counter()
        with cur.copy("COPY bench_copy FROM STDIN") as copy:
            copy.write(lines)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


if __name__ == "__main__":
    main()
