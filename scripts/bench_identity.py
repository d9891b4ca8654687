"""`make bench` (identity): the bulk import rate, records/s, and the latency of single changes in a big instansi,
as ratios to same-run baselines.

Baselines: COPY of the same number of plain rows into a scratch table of the same database (the fastest a set-based
write goes here), and for latencies a one-row UPDATE in its own transaction. Measured: `ImportPegawai` use case
in-process (validation, set-based upserts, assignments, supervisor chains, events to the outbox, one transaction),
for a fresh import and for a re-run (no changes); then, in the same instansi (10,000 employees by default), the
median latency of a one-record `ImportPegawai` (a move), of `AssignJabatan` (a move) and of
the Kasi of 200 staff moving away (each of them gets an `assignment_changed` with the new penilai).
Only 127.0.0.1; the database is created for the run and dropped after.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "libs"), str(ROOT / "services" / "identity"), str(ROOT / "build" / "gen")]

import sqlalchemy as sa  # noqa: E402

from ekinerja.identity.v1 import identity_pb2 as pb  # noqa: E402
from ekinerja_platform import testing  # noqa: E402
from identity.adapters.bulk import copy_rows  # noqa: E402
from identity.bootstrap import SystemCall, database  # noqa: E402
from identity.entrypoints.import_api import import_pegawai  # noqa: E402
from identity.entrypoints.org_api import OrgApi as Org  # noqa: E402

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


def packed(single, size: int = 5000):
    """One-record messages regrouped `size` records per message (each message is one transaction)."""
    records = []
    for m in single:
        kind = m.WhichOneof("record")
        records.append(pb.ImportPegawaiRecord(line=m.line, **{kind: getattr(m, kind)}))
        if len(records) == size:
            yield pb.ImportPegawaiRequest(instansi_id=INSTANSI, records=records)
            records = []
    if records:
        yield pb.ImportPegawaiRequest(instansi_id=INSTANSI, records=records)


def _median_ms(action, times: int) -> float:
    samples = []
    for k in range(times):
        started = time.perf_counter()
        action(k)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def latencies(db, call, n: int, times: int) -> dict[str, float]:
    """Single changes in the imported instansi: ms (median of `times`)."""
    org = Org(db, call)

    def baseline(k):
        with db.transaction() as session:
            session.execute(sa.text("UPDATE bench_baseline SET nama = nama WHERE nip = :n"), {"n": nip(k)})

    def one_import(k):  # employee 1000+k moves to another staff position (a later TMT each time)
        i = 1000 + k
        msg = pb.ImportPegawaiRequest(instansi_id=INSTANSI, pegawai=pb.ImportPegawai(
            nip=nip(i), nama=f"Pegawai {i}", golongan="III/a", jabatan_id=f"B.LEAF{(i + 1) % 50}",
            tmt_jabatan="2025-03-03"))
        result = import_pegawai(db, call, [msg])
        assert result.failed == 0 and result.events == 1, result

    def assign(k):  # employee 2000+k moves to another staff position
        i = 2000 + k
        org.assign(pb.AssignJabatanRequest(nip=nip(i), jabatan_id=f"B.LEAF{(i + 1) % 50}", start="2025-04-01"))

    def vacate(k):  # the Kasi of B.MID{k} moves to a staff position: the ~n/50 staff under it get a new penilai
        org.assign(pb.AssignJabatanRequest(nip=nip(k + 1), jabatan_id=f"B.LEAF{(k + 1) % 50}", start="2025-05-02"))

    return {"baseline": _median_ms(baseline, times), "import1": _median_ms(one_import, times),
            "assign": _median_ms(assign, times), "vacate": _median_ms(vacate, min(times, 10))}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--times", type=int, default=15, help="samples per latency (median reported)")
    parser.add_argument("--per-message", type=int, default=5000, help="records per stream message (transaction)")
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
        msgs = list(packed(messages(n), args.per_message))
        records = sum(len(m.records) for m in msgs)
        started = time.perf_counter()
        first = import_pegawai(db, call, msgs)
        fresh = records / (time.perf_counter() - started)
        started = time.perf_counter()
        again = import_pegawai(db, call, msgs)
        rerun = records / (time.perf_counter() - started)
        assert first.failed == 0 and again.events == 0, (first.failed, again.events)
        print(f"records: {records} in {len(msgs)} messages ({n} employees, events written on first import: "
              f"{first.events})")
        print(f"baseline COPY of plain rows:     {baseline:10,.0f} rows/s")
        print(f"ImportPegawai, fresh:            {fresh:10,.0f} records/s  ratio {fresh / baseline:.3f}")
        print(f"ImportPegawai, re-run unchanged: {rerun:10,.0f} records/s  ratio {rerun / baseline:.3f}")
        lat = latencies(db, call, n, args.times)
        base = lat["baseline"]
        print(f"latency in an instansi of {n:,} employees (median of {args.times}):")
        print(f"baseline one-row UPDATE transaction: {base:8.2f} ms")
        print(f"ImportPegawai, one record (a move):  {lat['import1']:8.2f} ms  ratio {lat['import1'] / base:.1f}")
        print(f"AssignJabatan (a move):              {lat['assign']:8.2f} ms  ratio {lat['assign'] / base:.1f}")
        print(f"AssignJabatan, a Kasi above {n // 50:,} staff moves: {lat['vacate']:8.2f} ms  "
              f"ratio {lat['vacate'] / base:.1f}")
    finally:
        db.engine.dispose()
        testing.drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
