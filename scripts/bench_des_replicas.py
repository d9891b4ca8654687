"""Benchmark of des scaled out (run by `make bench`): SubmitActivity with 2 des processes behind one port vs 1.

Two processes share one port by SO_REUSEPORT: nameko-grpc's server socket comes from `eventlet.listen`, which sets
SO_REUSEPORT on Linux for any fixed port, so a second des started on the same `EKINERJA_GRPC_PORT` binds beside the
first and the kernel spreads new connections over both (by a hash of each connection's addresses). An HTTP/2
connection stays on the process that accepted it, so the client opens several connections (one gRPC channel each,
with a local subchannel pool so grpc does not share one connection between them), as a fleet of portal replicas
would. The same spreading is what a Kubernetes Service does across pods; on one machine this shows whether a second
process adds throughput once one process is saturated.

Same run, alternating slices: group A is 1 des process on its own port, group B is 2 des processes on another port
(3 processes, one database, one RabbitMQ vhost; each has its own outbox relay, which the relay's SKIP LOCKED
allows). Each level is measured in 4 slices, A and B taking turns, so a drift of the shared machine hits both alike.
Printed per level: requests/s, p50/p99, CPU ms per request summed over the group's processes, each process's share of
the group's requests (by CPU), and the ratio B ÷ A. On a 2-core machine shared with PostgreSQL, RabbitMQ and the load
client, the ceiling of the ratio is well below 2: the figure to re-measure on real hardware is the ratio per added
core (docs/scale.md, capacity model).

Usage: .venv/bin/python scripts/bench_des_replicas.py [--seconds 8] [--levels 8,32] [--connections 8]
"""
from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "libs"), str(ROOT / "scripts")]
from bench_des import cpu_seconds, machine_ticks, postgres_cpu, postgres_cpu_since, submit_calls  # noqa: E402
from bench_stack import des_bench, same_transport_settings  # noqa: E402

from ekinerja_platform import testing  # noqa: E402


def listeners(port: int) -> set[int]:
    """PIDs of the processes with a listening TCP socket on `port` (from `ss`)."""
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", out)}


class Group:
    """One or more des processes answering on one port, and what was measured on them."""

    def __init__(self, name, processes):
        self.name, self.processes = name, processes
        self.latencies, self.elapsed, self.cpu, self.pg_cpu = [], 0.0, [0.0] * len(processes), 0.0
        self.busy = self.ticks = 0

    @property
    def target(self):
        return self.processes[0].target

    def slice(self, make_call, in_flight, connections, seconds):
        before = [cpu_seconds(p.process.pid) for p in self.processes]
        pg_before, (busy_before, ticks_before) = postgres_cpu(), machine_ticks()
        latencies, elapsed = asyncio.run(load(self.target, make_call, in_flight, connections, seconds))
        busy_after, ticks_after = machine_ticks()
        self.latencies += latencies
        self.elapsed += elapsed
        for i, p in enumerate(self.processes):
            self.cpu[i] += cpu_seconds(p.process.pid) - before[i]
        self.pg_cpu += postgres_cpu_since(pg_before)
        self.busy += busy_after - busy_before
        self.ticks += ticks_after - ticks_before

    def figures(self):
        lat = sorted(self.latencies)
        n = len(lat)
        cpu = sum(self.cpu)
        return {"rate": n / self.elapsed, "p50": lat[n // 2] * 1000, "p99": lat[min(n - 1, int(n * 0.99))] * 1000,
                "cpu_ms": cpu * 1000 / n, "pg_ms": self.pg_cpu * 1000 / n, "busy": self.busy / max(1, self.ticks),
                "shares": [c / cpu if cpu else 0 for c in self.cpu]}


async def load(target, make_call, in_flight, connections, seconds):
    """`in_flight` callers spread over `connections` channels, each its own TCP connection."""
    options = [("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel(target, options=options) for _ in range(connections)]
    try:
        calls = [make_call(channel) for channel in channels]
        for call in calls:   # connect every channel (each lands on one process) before the clock starts
            await call(0)
        latencies = []
        stop = time.perf_counter() + seconds
        counter = iter(range(10**9))

        async def worker(call):
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await call(next(counter))
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker(calls[i % connections]) for i in range(in_flight)))
        return latencies, time.perf_counter() - began
    finally:
        for channel in channels:
            await channel.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per level and group, in 4 alternating slices")
    parser.add_argument("--levels", default="8,32", help="in-flight levels")
    parser.add_argument("--connections", type=int, default=8, help="client connections (channels) per group")
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--warm-up", type=float, default=3.0)
    args, _ = parser.parse_known_args()
    same = same_transport_settings()

    from ekinerja.des.v1 import des_pb2_grpc

    with des_bench("bench-des-replicas-", **same) as bench:
        single, pair = start_groups(bench)
        employees = bench.employees_with_skp(args.employees)

        def submit(channel):
            return submit_calls(des_pb2_grpc.DesServiceStub(channel), employees, timeout=60)

        for group in (single, pair):   # fill each process's caches and prepared statements, unmeasured
            asyncio.run(load(group.target, submit, 32, args.connections, args.warm_up))
        print(f"SubmitActivity, 1 des process vs 2 behind one port (SO_REUSEPORT); {args.connections} client "
              f"connections per group, {args.seconds:.0f}s per level and group in 4 alternating slices; "
              + ", ".join(f"{k}={v}" for k, v in same.items()))
        print(f"{'in flight':>9} | {'1 proc req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} {'busy':>4} | "
              f"{'2 procs req/s':>13} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} {'split':>9} {'busy':>4} | ratio")
        for n in (int(level) for level in args.levels.split(",") if level):
            a, b = Group(single.name, single.processes), Group(pair.name, pair.processes)
            for _ in range(4):
                for group in (a, b):
                    group.slice(submit, n, args.connections, args.seconds / 4)
            print_level(n, a.figures(), b.figures())
        print("ratio: 2 processes ÷ 1 process, same run; 'split' is each process's share of the pair's des CPU "
              "(how the kernel spread the connections); 'busy' is the whole machine's")


def start_groups(bench) -> tuple[Group, Group]:
    """Group A: one des on its own port; group B: two des on one port (SO_REUSEPORT: the second binds beside it)."""
    single = Group("1 process", [bench.start_des()])
    first = bench.start_des()
    pair = Group("2 processes, one port", [first, bench.start_des(first.grpc_port)])
    # the health check that `start` waits on may be answered by the first process: wait for both listeners
    if not testing.wait_for(lambda: listeners(first.grpc_port) == {p.process.pid for p in pair.processes}, 30):
        raise SystemExit(f"two des processes are not both listening on {first.grpc_port}: "
                         f"{listeners(first.grpc_port)}")
    return single, pair


def print_level(n: int, fa: dict, fb: dict) -> None:
    split = "/".join(f"{s:.0%}" for s in fb["shares"])
    print(f"{n:>9} | {fa['rate']:>12.0f} {fa['p50']:>7.1f} {fa['p99']:>7.1f} {fa['cpu_ms']:>6.2f} "
          f"{fa['busy']:>4.0%} | {fb['rate']:>13.0f} {fb['p50']:>7.1f} {fb['p99']:>7.1f} {fb['cpu_ms']:>6.2f} "
          f"{split:>9} {fb['busy']:>4.0%} | {fb['rate'] / fa['rate']:.2f}x")


if __name__ == "__main__":
    main()
