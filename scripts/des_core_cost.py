"""des's own work per SubmitActivity, without the gRPC transport (run by scripts/bench_des.py in its own process).

The API function the RPC calls (`entrypoints.grpc_api.submit_activity`: domain rules, response, the joined write on the
real PostgreSQL) is called from green threads in this process, as the service's workers would call it, with the
same group commit and statements in flight. Prints one JSON line: CPU ms per submit, submits/s, rows per statement.
The benchmark sets this beside the served submit's CPU, so the transport's share shows. Uses a throwaway database.
Usage: .venv/bin/python scripts/des_core_cost.py [--submits 10000] [--in-flight 20]
"""
import eventlet
import eventlet.event

eventlet.monkey_patch()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import zoneinfo  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libs"))
from des.adapters.direct import DirectAccess, DirectDatabase  # noqa: E402
from des.adapters.unit_of_work import in_session  # noqa: E402
from des.application import consumers  # noqa: E402
from des.entrypoints import grpc_api as api  # noqa: E402
from ekinerja.des.v1 import des_pb2  # noqa: E402
from ekinerja_platform import testing  # noqa: E402
from ekinerja_platform.pending import PendingAnswer  # noqa: E402
from ekinerja_platform.tokens import Principal  # noqa: E402

EMPLOYEES = 100
_COMMITS = sa.text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")


def nip_for(i: int) -> str:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=i)
    return f"{born:%Y%m%d}2005011{(i % 999) + 1:03d}"


class Call:
    """What the gRPC entrypoint hands the API function: the verified caller."""

    def __init__(self, nip: str):
        self.principal = Principal(subject=nip, roles=("pegawai",), instansi_id="i-core", nip=nip)
        self.idempotency_key = None

    def require_principal(self) -> Principal:
        return self.principal


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submits", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=20)
    args, _ = parser.parse_known_args()
    url = testing.migrated_database("des")
    try:
        year = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).year
        engine = sa.create_engine(url)
        with Session(engine) as session:  # the documents des would learn from skp_approved events
            for i in range(EMPLOYEES):
                skp_id = f"skp-{i}"
                kegiatan = [{"kegiatan_id": f"{skp_id}-k{n}", "nomor": n, "nama": f"kegiatan {n}",
                             "satuan": "laporan", "kuantitas": "1200", "kualitas": "100", "waktu": "12"}
                            for n in (1, 2, 3)]
                consumers.skp_approved(in_session(session), {"data": {
                    "skp_id": skp_id, "nip": nip_for(i), "instansi_id": "i-core", "unit_id": "u-1",
                    "jabatan_id": "j-1", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
                    "penilai_nip": nip_for(10_000), "kegiatan": kegiatan, "version": 1}})
            session.commit()
        engine.dispose()
        writes = sa.create_engine(url, pool_size=args.in_flight + DirectDatabase.statements_in_flight, max_overflow=0,
                                  isolation_level="AUTOCOMMIT")
        groups = {}
        statements = [0]

        def submit(i: int) -> None:
            nip, skp_id = nip_for(i % EMPLOYEES), f"skp-{i % EMPLOYEES}"
            request = des_pb2.SubmitActivityRequest(
                activity=des_pb2.ActivityInput(kegiatan_id=f"{skp_id}-k{1 + i % 3}", uraian="menyusun laporan",
                                               kuantitas="1", menit=60),
                idempotency_key=uuid.uuid4().hex)
            answer = api.submit_activity(DirectAccess(writes, groups, DirectDatabase.statements_in_flight), Call(nip),
                                         request)
            if isinstance(answer, PendingAnswer):  # the joined write's answer: wait for it, as the client would
                settled = eventlet.event.Event()
                answer.when_done(lambda response, error: settled.send(error))
                error = settled.wait()
                if error is not None:
                    raise error

        def run(total: int) -> None:
            pool = eventlet.GreenPool(args.in_flight)
            for i in range(total):
                pool.spawn_n(submit, i)
            pool.waitall()

        run(EMPLOYEES * 3 * 2)  # every day's context read and cached, statements prepared
        with writes.connect() as conn:
            before = conn.execute(_COMMITS).scalar()
        cpu, wall = time.process_time(), time.perf_counter()
        run(args.submits)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        time.sleep(0.6)  # statistics reach pg_stat_database within 500 ms
        with writes.connect() as conn:
            statements[0] = conn.execute(_COMMITS).scalar() - before  # autocommit: one per statement
        writes.dispose()
        print(json.dumps({"cpu_ms_per_submit": 1000 * cpu / args.submits, "submits_per_s": args.submits / wall,
                          "rows_per_statement": args.submits / max(1, statements[0])}))
    finally:
        testing.drop_database(url)


if __name__ == "__main__":
    main()
