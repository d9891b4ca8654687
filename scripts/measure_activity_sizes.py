"""Bytes per activity row of des's `activities` table and each of its indexes, measured on a real PostgreSQL: the
input of the sizing in docs/scale.md ("PostgreSQL at volume"). Re-run it on the national hardware's PostgreSQL.

One month of reports from `--employees` employees (about 2.5 a working day each, as the national ~14 M a day over
5.6 M ASN), inserted day by day in random employee order as the traffic arrives, uuid7 activity ids as des makes
them; the last three days still await review (the partial review indexes hold those), the rest approved. Then the
median time of `--lookups` row lookups by NIP, day and id, by id alone over the whole table, and by id through
des's `repository.activity_row` (its uuid7 range first): compare runs with and without `--hash-partitions`.

    .venv/bin/python scripts/measure_activity_sizes.py --employees 20000 [--hash-partitions 4]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libs"))

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "des"))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from ekinerja_platform import testing  # noqa: E402
from ekinerja_platform.ids import uuid7s  # noqa: E402
from ekinerja_platform.migrate import migrate  # noqa: E402

# last month: inside the range `activity_row` reads first for ids drawn today (the entry window)
MONTH = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
WORKING_DAYS = [MONTH + dt.timedelta(days=d) for d in range(31) if (MONTH + dt.timedelta(days=d)).weekday() < 5]
COLUMNS = ("nip", "tanggal", "activity_id", "instansi_id", "unit_id", "skp_id", "kegiatan_id", "jenis", "uraian",
           "kuantitas", "satuan", "menit", "state", "kuantitas_diakui", "penilai_nip", "reviewer_nip", "version",
           "source", "submitted_at", "reviewed_at")


def nip(rng: random.Random) -> str:
    born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 13000))
    return f"{born:%Y%m%d}{rng.randint(1990, 2024)}{rng.randint(1, 12):02d}{rng.choice('12')}{rng.randint(1, 999):03d}"


def rows(employees: int, rng: random.Random):
    people = [(nip(rng), f"i-{rng.randint(1, 600):04d}", f"u-{rng.randint(1, 90000):06d}") for _ in range(employees)]
    penilai = {p[0]: nip(rng) for p in people}
    for index, day in enumerate(WORKING_DAYS):
        pending = index >= len(WORKING_DAYS) - 3
        today = [p for p in people for _ in range(2 + (rng.random() < 0.5))]  # 2 or 3 reports: 2.5 on average
        rng.shuffle(today)
        ids = uuid7s(len(today))
        for (person, instansi, unit), activity_id in zip(today, ids, strict=True):
            at = dt.datetime.combine(day, dt.time(9 + rng.randint(0, 8), rng.randint(0, 59)), dt.timezone.utc)
            yield (person, day, activity_id, instansi, unit, f"skp-{person[-6:]}", f"k{rng.randint(1, 8)}", "skp",
                   rng.choice(("Menyusun konsep surat dinas", "Rapat koordinasi penyusunan anggaran unit kerja",
                               "Memverifikasi dokumen pertanggungjawaban keuangan", "Melayani permohonan informasi")),
                   rng.choice(("1", "2", "0.5")), "dokumen", rng.choice((30, 60, 90, 120)),
                   "submitted" if pending else "approved", None if pending else "1", penilai[person],
                   None if pending else penilai[person], 1 if pending else 2, "web", at,
                   None if pending else at + dt.timedelta(days=1))


def _lookups(engine, count: int) -> dict:
    from des.adapters import repository
    t = repository.activities
    with Session(engine) as session:
        sample = session.execute(sa.text("SELECT nip, tanggal, activity_id::text FROM activities "
                                         "ORDER BY random() LIMIT :n"), {"n": count}).all()
        ways = {
            "by_nip_day_id": lambda nip, day, key: session.execute(sa.select(t).where(
                t.c.nip == nip, t.c.tanggal == day, t.c.activity_id == key)).first(),
            "by_id_whole_table": lambda nip, day, key: session.execute(sa.select(t).where(
                t.c.activity_id == key)).first(),
            "by_id_activity_row": lambda nip, day, key: repository.activity_row(session, key),
        }
        out = {}
        for name, lookup in ways.items():
            times = []
            for nip_, day, key in sample:
                started = time.perf_counter()
                assert lookup(nip_, day, key) is not None
                times.append((time.perf_counter() - started) * 1000)
            out[name] = round(statistics.median(times), 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=20000)
    parser.add_argument("--hash-partitions", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    os.environ["EKINERJA_DES_ACTIVITY_HASH_PARTITIONS"] = str(args.hash_partitions)
    url = testing.create_database("measure_des")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        migrate(url, str(testing.REPO_ROOT / "services" / "des" / "migrations"))
        started = time.monotonic()
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                cursor.execute("SELECT des_ensure_activity_partition(%s)", (MONTH,))
                with cursor.copy(f"COPY activities ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows(args.employees, random.Random(21)):
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE activities"))
            total = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar()
            conn_tables = conn.execute(sa.text(
                "SELECT count(*) FROM pg_partition_tree('activities') WHERE isleaf")).scalar()
            pending = conn.execute(sa.text(
                "SELECT count(*) FROM activities WHERE state IN ('submitted', 'resubmitted')")).scalar()
            leaves = "SELECT relid FROM pg_partition_tree('activities') WHERE isleaf"
            heap = conn.execute(sa.text(f"SELECT sum(pg_table_size(relid)) FROM ({leaves}) l")).scalar()
            indexes = conn.execute(sa.text(f"""
                SELECT regexp_replace(ic.relname, '^activities_[0-9]{{6}}(_h[0-9]{{3}})?_', ''),
                       i.indpred IS NOT NULL, sum(pg_relation_size(i.indexrelid)), max(pg_relation_size(i.indexrelid))
                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE i.indrelid IN ({leaves}) GROUP BY 1, 2 ORDER BY 1""")).all()
        # a partial index (the review queue's) holds only the rows awaiting review
        lookups = _lookups(engine, args.lookups)
        per_row = {name: round(float(size) / (pending if partial else total), 1) for name, partial, size, _ in indexes}
        largest = {name: int(biggest) for name, _, _, biggest in indexes}
        print(json.dumps({"rows": total, "pending_rows": pending, "hash_partitions": args.hash_partitions,
                          "load_s": round(time.monotonic() - started, 1),
                          "heap_bytes_per_row": round(float(heap) / total, 1),
                          "index_bytes_per_row": per_row, "largest_leaf_index_bytes": largest,
                          "tables": conn_tables, "lookup_median_ms": lookups,
                          "note": "partial (review) indexes: bytes per row awaiting review"}, indent=2))
    finally:
        engine.dispose()
        testing.drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
