"""What turning psycopg's server-side prepared statements off costs (EKINERJA_DB_PGBOUNCER=true).

Runs des's SubmitActivity read (`activity_store.read_context`: the stored answer of the idempotency key and the
day's context in one statement) and the idempotency lookup on one connection prepared (psycopg's default: after
5 uses) and on one never prepared, alternating rounds in the same run, against a throwaway migrated des database
on the machine's PostgreSQL (directly: the pooler adds the same hop to both). Prints µs per call and the ratio.

Usage: .venv/bin/python scripts/bench_prepare.py [--calls 2000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import psycopg
from sqlalchemy.engine import make_url

from ekinerja_platform import testing


def _context(cursor, i):
    from des.adapters import activity_store
    activity_store.read_context(cursor, f"19800101200501100{i % 10}", dt.date.today(), "k-1", "submit", f"k{i}")


def _lookup(cursor, i):
    from des.adapters import activity_store
    activity_store.stored_response(cursor, "submit", f"key-{i}")


STATEMENTS = {"submit context read": _context, "idempotency lookup": _lookup}


def _calls(conn, statement, calls: int) -> float:
    cursor = conn.cursor()
    started = time.perf_counter()
    for i in range(calls):
        statement(cursor, i)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = testing.migrated_database("des")
    try:
        u = make_url(url)
        dsn = f"host={u.host} port={u.port or 5432} dbname={u.database} user={u.username}"
        prepared = psycopg.connect(dsn, autocommit=True)  # prepare_threshold=5, the default
        unprepared = psycopg.connect(dsn, autocommit=True, prepare_threshold=None)
        times = {(what, mode): [] for what in STATEMENTS for mode in ("prepared", "not prepared")}
        for what, statement in STATEMENTS.items():
            _calls(prepared, statement, 50), _calls(unprepared, statement, 50)  # warm both, prepare the first
            for _ in range(args.rounds):
                times[what, "prepared"].append(_calls(prepared, statement, args.calls))
                times[what, "not prepared"].append(_calls(unprepared, statement, args.calls))
        prepared.close()
        unprepared.close()
    finally:
        testing.drop_database(url)
    median = {key: statistics.median(values) for key, values in times.items()}
    for what in STATEMENTS:
        on, off = median[what, "prepared"], median[what, "not prepared"]
        print(f"{what:20} prepared {on:7.1f} µs, not prepared {off:7.1f} µs per call: ratio {off / on:.2f} "
              f"(median of {args.rounds} rounds of {args.calls})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
