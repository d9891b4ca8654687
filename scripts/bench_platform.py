"""Platform benchmark: nameko-grpc's poll interval against latency, throughput and idle CPU.

nameko-grpc answers on a select() poll (10 ms upstream). This starts the probe service once per candidate
interval and measures, in the same run: sequential latency (p50/p99 of a PUBLIC hello-world RPC), throughput at
32 in flight, and the CPU the idle server burns with one client connection open. Figures are printed as ratios
to the upstream 10 ms setting measured in this run.

Usage: .venv/bin/python scripts/bench_platform.py [--calls 300] [--intervals 0.01,0.005,0.002,0.001]
"""
import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs/ekinerja_platform/tests/probe"))
import probe_support  # noqa: E402

from ekinerja_platform import testing  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(target, pid, pb, calls):
    probe_pb2, probe_pb2_grpc = pb
    channel = grpc.insecure_channel(target)
    stub = probe_pb2_grpc.ProbeServiceStub(channel)
    request = probe_pb2.EchoRequest()
    for _ in range(20):
        stub.Open(request, timeout=5)
    latencies = []
    for _ in range(calls):
        start = time.perf_counter()
        stub.Open(request, timeout=5)
        latencies.append(time.perf_counter() - start)
    latencies.sort()

    def one(_):
        stub.Open(request, timeout=10)

    start = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(one, range(calls * 4)))
    rate = calls * 4 / (time.perf_counter() - start)

    time.sleep(0.5)
    cpu_before, wall_before = cpu_seconds(pid), time.perf_counter()
    time.sleep(3)
    idle_cpu = (cpu_seconds(pid) - cpu_before) / (time.perf_counter() - wall_before)
    channel.close()
    return {"p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "rate_32": rate, "idle_cpu_pct": idle_cpu * 100}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--intervals", default="0.01,0.005,0.002,0.001")
    args = parser.parse_args()
    gen = probe_support.generate(Path(tempfile.mkdtemp(prefix="probe-gen-")))
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
    db = probe_support.create_database()
    amqp = testing.create_vhost()
    results = {}
    try:
        with testing.temporary_directory() as keys_dir:
            keys = testing.TestKeys(keys_dir)
            for interval in [float(x) for x in args.intervals.split(",")]:
                env = probe_support.env(db, amqp, keys.jwks_url, gen, EKINERJA_GRPC_POLL_SECONDS=interval)
                process = testing.ServiceProcess("probe_main", env).start()
                try:
                    results[interval] = measure(process.target, process.process.pid, (probe_pb2, probe_pb2_grpc),
                                                args.calls)
                finally:
                    process.stop()
    finally:
        testing.drop_database(db)
        testing.delete_vhost(amqp)
    base = results.get(0.01) or next(iter(results.values()))
    print(f"{'poll s':>7} {'p50 ms':>8} {'p99 ms':>8} {'calls/s@32':>11} {'idle CPU %':>10} | "
          f"{'p50 ratio':>9} {'rate ratio':>10} {'idle ratio':>10}")
    for interval, r in results.items():
        print(f"{interval:>7} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['rate_32']:11.0f} {r['idle_cpu_pct']:10.2f} | "
              f"{r['p50_ms'] / base['p50_ms']:9.2f} {r['rate_32'] / base['rate_32']:10.2f} "
              f"{r['idle_cpu_pct'] / max(base['idle_cpu_pct'], 0.01):10.2f}")


if __name__ == "__main__":
    main()
