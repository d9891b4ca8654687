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
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_des as bd  # noqa: E402
from bench_des import submit_calls, testing  # noqa: E402

AB_OFF = Path(__file__).resolve().parent / "ab_off"


def start_des(db, amqp_uri, keys, **extra):
    return testing.ServiceProcess("des", testing.service_env(db, amqp_uri, keys.jwks_url, EKINERJA_LOG_LEVEL="WARNING",
                                                             EKINERJA_GRPC_POLL_SECONDS="0.002",
                                                             EKINERJA_MAX_WORKERS="20", **extra)).start()


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
    from ekinerja_platform.outbox import Event
    cleanup = []
    workdir = tempfile.mkdtemp(prefix="bench-ab-")
    try:
        amqp_uri = testing.create_vhost()
        cleanup.append(lambda: testing.delete_vhost(amqp_uri))
        keys = testing.TestKeys(Path(workdir))
        db = testing.migrated_database("des")
        cleanup.append(lambda: testing.drop_database(db))
        on = start_des(db, amqp_uri, keys)
        cleanup.append(on.stop)
        day = bd.today()
        employees = []
        for i in range(args.employees):
            nip, skp_id = bd.nip_for(i), f"skp-{i}"
            kegiatan = [{"kegiatan_id": f"{skp_id}-k{n}", "nomor": n, "nama": f"kegiatan {n}", "satuan": "laporan",
                         "kuantitas": "1200", "kualitas": "100", "waktu": "12", "biaya": "0"} for n in (1, 2, 3)]
            testing.publish_event(amqp_uri, Event("skp_approved", "skp", {
                "skp_id": skp_id, "nip": nip, "instansi_id": "i-bench", "unit_id": "u-1", "jabatan_id": "j-1",
                "period_start": f"{day.year}-01-01", "period_end": f"{day.year}-12-31",
                "penilai_nip": bd.nip_for(10_000), "atasan_penilai_nip": None, "kegiatan": kegiatan, "version": 1},
                nip=nip, instansi_id="i-bench").envelope())
            employees.append((nip, skp_id, testing.bearer(keys.token(subject=nip, roles=["pegawai"],
                                                                     instansi="i-bench"))))
        engine = sa.create_engine(db)

        def learned():
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM skp_documents")).scalar() == args.employees
        assert testing.wait_for(learned, timeout=120), "des did not learn the SKP documents"
        engine.dispose()

        def submit(channel):
            return submit_calls(des_pb2_grpc.DesServiceStub(channel), employees, timeout=30)

        asyncio.run(bd.load(on.target, submit, 32, 3))
        print(f"des SubmitActivity at 32 in flight, {args.rounds} alternating slices of {args.seconds}s per side")
        print(f"{'candidate':>13} | {'on req/s':>8} {'off req/s':>9} {'gain':>6} | {'on cpu ms':>9} {'off cpu ms':>10} "
              f"{'cpu saved':>9} | median of the rounds' on/off ratios")
        for candidate in args.candidates.split(","):
            off = start_des(db, amqp_uri, keys, EKINERJA_TRANSPORT_AB_OFF=candidate,
                            PYTHONPATH=os.pathsep.join([str(AB_OFF), os.environ.get("PYTHONPATH", "")]))
            try:
                asyncio.run(bd.load(off.target, submit, 32, 3))
                rates = {"on": [], "off": []}
                cpus = {"on": [], "off": []}
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
            finally:
                off.stop()
            time.sleep(1)
    finally:
        for fn in reversed(cleanup):
            try:
                fn()
            except Exception as exc:  # keep cleaning up
                print(f"cleanup: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
