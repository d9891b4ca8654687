"""A/B of a kept performance change (issue 17.12; ADR 001): des SubmitActivity at 32 in flight with the change on
and off, in the same run, in alternating slices (each round runs on and off back to back, their order swapped every
round); prints the medians of req/s and of des's CPU per request, and the median of the rounds' on/off ratios.

The change is switched off in a second des process by `scripts/ab_off/sitecustomize.py` (put on its PYTHONPATH with
`EKINERJA_TRANSPORT_AB_OFF=<candidate>`); production code has no switch. Candidates: `pending` (PendingAnswer).
Usage: .venv/bin/python scripts/bench_transport_ab.py [--candidates pending] [--rounds 30] [--seconds 1.5]
       [--employees 100]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_des as bd  # noqa: E402
from bench_des import submit_calls  # noqa: E402
from bench_stack import des_bench  # noqa: E402

AB_OFF = Path(__file__).resolve().parent / "ab_off"


def one_slice(service, make_call, seconds):
    pid = service.process.pid
    cpu_before = bd.cpu_seconds(pid)
    latencies, elapsed, warm_up = asyncio.run(bd.load(service.target, make_call, 32, seconds))
    cpu = (bd.cpu_seconds(pid) - cpu_before) * len(latencies) / (len(latencies) + warm_up)
    return len(latencies) / elapsed, cpu * 1000 / len(latencies)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", default="pending")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--employees", type=int, default=100)
    args = parser.parse_args()
    from ekinerja.des.v1 import des_pb2_grpc
    with des_bench("bench-ab-", EKINERJA_GRPC_POLL_SECONDS="0.002", EKINERJA_MAX_WORKERS="20") as bench:
        on = bench.start_des()
        employees = bench.employees_with_skp(args.employees)

        def submit(channel):
            return submit_calls(des_pb2_grpc.DesServiceStub(channel), employees, timeout=30)

        asyncio.run(bd.load(on.target, submit, 32, 3))
        print(f"des SubmitActivity at 32 in flight, {args.rounds} alternating slices of {args.seconds}s per side")
        print(f"{'candidate':>13} | {'on req/s':>8} {'off req/s':>9} {'gain':>6} | {'on cpu ms':>9} {'off cpu ms':>10} "
              f"{'cpu saved':>9} | median of the rounds' on/off ratios")
        for candidate in args.candidates.split(","):
            off = bench.start_des(EKINERJA_TRANSPORT_AB_OFF=candidate,
                                  PYTHONPATH=os.pathsep.join([str(AB_OFF), os.environ.get("PYTHONPATH", "")]))
            try:
                compare_on_off(candidate, on, off, submit, args)
            finally:
                off.stop()
            time.sleep(1)


def compare_on_off(candidate: str, on, off, submit, args) -> None:
    asyncio.run(bd.load(off.target, submit, 32, 3))
    rates: dict[str, list[float]] = {"on": [], "off": []}
    cpus: dict[str, list[float]] = {"on": [], "off": []}
    for r in range(args.rounds):
        order = (("on", on), ("off", off)) if r % 2 == 0 else (("off", off), ("on", on))
        for side, service in order:
            rate, cpu = one_slice(service, submit, args.seconds)
            rates[side].append(rate)
            cpus[side].append(cpu)
    ron, roff = statistics.median(rates["on"]), statistics.median(rates["off"])
    con, coff = statistics.median(cpus["on"]), statistics.median(cpus["off"])
    # each round's on and off slices ran back to back: their ratio cancels most of the machine's drift
    paired = statistics.median(a / b for a, b in zip(rates["on"], rates["off"], strict=True))
    paired_cpu = statistics.median(a / b for a, b in zip(cpus["on"], cpus["off"], strict=True))
    print(f"{candidate:>13} | {ron:>8.0f} {roff:>9.0f} {ron / roff - 1:>+6.1%} | {con:>9.3f} {coff:>10.3f} "
          f"{1 - con / coff:>+9.1%} | paired: req/s {paired - 1:+.1%}, cpu/req {paired_cpu - 1:+.1%}",
          flush=True)


if __name__ == "__main__":
    main()
