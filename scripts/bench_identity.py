"""`make bench` (identity): the bulk import rate, records/s, as a ratio to a same-run baseline.

Baseline: COPY of the same number of plain rows into a scratch table of the same database (the fastest a set-based
write goes here). Measured: `ImportPegawai` use case in-process (validation, set-based upserts, assignments,
supervisor chains, events to the outbox, one transaction), for a fresh import and for a re-run (no changes).
Only 127.0.0.1; the database is created for the run and dropped after.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "libs"), str(ROOT / "services" / "identity"), str(ROOT / "build" / "gen")]

import sqlalchemy as sa  # noqa: E402

from ekinerja.identity.v1 import identity_pb2 as pb  # noqa: E402
from ekinerja_platform import testing  # noqa: E402
from identity.adapters.bulk import copy_rows  # noqa: E402
from identity.application.importer import import_pegawai  # noqa: E402
from identity.application.org import Org  # noqa: E402
from identity.bootstrap import SystemCall, database  # noqa: E402

INSTANSI = "BENCH"


def nip(index: int) -> str:
    seq, rest = index % 999 + 1, index // 999
    year, month = 1965 + rest % 30, 1 + (rest // 30) % 12
    return f"{year:04d}{month:02d}{1 + (rest // 360) % 28:02d}{year + 24:04d}{month:02d}1{seq:03d}"


def messages(n: int):
    J = pb.ImportPegawaiRequest
    yield J(instansi_id=INSTANSI, unit=pb.ImportUnit(id="B.U", nama="Unit"))
    yield J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(id="B.TOP", unit_id="B.U", nama="Kepala",
                                                           kind="struktural_jpt", job_group="umum"))
    for k in range(50):
        yield J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(id=f"B.MID{k}", unit_id="B.U", nama=f"Kasi {k}",
                                                               kind="struktural_pengawas", job_group="umum",
                                                               parent_id="B.TOP"))
        yield J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(id=f"B.LEAF{k}", unit_id="B.U", nama=f"Staf {k}",
                                                               kind="pelaksana", job_group="umum",
                                                               parent_id=f"B.MID{k}"))
    for i in range(n):
        jab = "B.TOP" if i == 0 else f"B.MID{i - 1}" if i <= 50 else f"B.LEAF{i % 50}"
        yield J(instansi_id=INSTANSI, pegawai=pb.ImportPegawai(nip=nip(i), nama=f"Pegawai {i}", golongan="III/a",
                                                               jabatan_id=jab, tmt_jabatan="2024-01-02"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    n = args.records
    url = testing.migrated_database("identity")
    db = database(url)
    try:
        with db.transaction() as session:
            session.execute(sa.text("CREATE TABLE bench_baseline (nip text, nama text, golongan text, status text)"))
        started = time.perf_counter()
        with db.transaction() as session:
            copy_rows(session, "bench_baseline", ["nip", "nama", "golongan", "status"],
                      ((nip(i), f"Pegawai {i}", "III/a", "aktif") for i in range(n)))
        baseline = n / (time.perf_counter() - started)

        call = SystemCall("bench")
        Org(db, call).upsert_instansi(pb.Instansi(id=INSTANSI, nama="Bench", kind=pb.INSTANSI_KIND_KOTA))
        msgs = list(messages(n))
        started = time.perf_counter()
        first = import_pegawai(db, call, msgs)
        fresh = len(msgs) / (time.perf_counter() - started)
        started = time.perf_counter()
        again = import_pegawai(db, call, msgs)
        rerun = len(msgs) / (time.perf_counter() - started)
        assert first.failed == 0 and again.events == 0, (first.failed, again.events)
        print(f"records: {len(msgs)} ({n} employees, events written on first import: {first.events})")
        print(f"baseline COPY of plain rows:     {baseline:10,.0f} rows/s")
        print(f"ImportPegawai, fresh:            {fresh:10,.0f} records/s  ratio {fresh / baseline:.3f}")
        print(f"ImportPegawai, re-run unchanged: {rerun:10,.0f} records/s  ratio {rerun / baseline:.3f}")
    finally:
        db.engine.dispose()
        testing.drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
