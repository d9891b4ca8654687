"""Count the PostgreSQL connections a stack holds: after start, and at rest after a burst of submits.

`python scripts/db_connections.py [--submits N] [--workers N]` starts the five services as the fault suite's
testbed does (private PostgreSQL clusters and RabbitMQ node on free ports, nothing shared is touched) and prints
`pg_stat_activity` per database and `application_name` (`<service>/<purpose>`, set by ekinerja_platform.db).
The figures of docs/operations.md, "Connections", come from here.
"""
from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path


def connections(tb) -> collections.Counter:
    import sqlalchemy as sa
    counts = collections.Counter()
    for cluster in tb.clusters:
        engine = sa.create_engine(cluster.url(), poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT datname, application_name, count(*) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname LIKE 'fault_%' "
                "GROUP BY 1, 2")).all()
        engine.dispose()
        for datname, app, n in rows:
            counts[(datname.split("_")[1], app or "-")] += n
    return counts


def show(title: str, counts: collections.Counter) -> None:
    print(f"\n{title}: {sum(counts.values())} connections")
    per_service = collections.Counter()
    for (svc, app), n in sorted(counts.items()):
        per_service[svc] += n
        print(f"  {svc:8} {app:28} {n:3}")
    print("  per service: " + ", ".join(f"{svc} {n}" for svc, n in sorted(per_service.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--workers", type=int, default=8, help="EKINERJA_MAX_WORKERS (the tests' stack uses 8)")
    args = parser.parse_args()
    from ekinerja_testbed.load import SubmitLoad
    from ekinerja_testbed.stack import Testbed
    with tempfile.TemporaryDirectory(prefix="ekinerja-conns-") as work:
        tb = Testbed(Path(work), max_workers=args.workers)
        try:
            tb.start()
            time.sleep(3)  # relays' first rounds, readiness probes
            show("after start", connections(tb))
            load = SubmitLoad(tb, tb.employees(4), total=args.submits, threads=16).start()
            load.wait_acked(args.submits)
            load.join()
            load.drain()
            show(f"at rest after {args.submits} submits from 16 clients", connections(tb))
        finally:
            tb.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
