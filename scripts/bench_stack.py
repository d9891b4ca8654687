"""An isolated des for a benchmark: its own RabbitMQ vhost, migrated database, signing keys and processes, all
removed when the `with` block ends (a failed removal is printed and the others still run).

    with des_bench("bench-des-", EKINERJA_MAX_WORKERS="20") as bench:
        des = bench.start_des()
        employees = bench.employees_with_skp(100)   # [(nip, skp_id, bearer metadata)], learned by des
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs"))
from ekinerja_platform import testing  # noqa: E402
from ekinerja_platform.outbox import Event  # noqa: E402

INSTANSI = "i-bench"


def today() -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).date()


def nip_for(i: int) -> str:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=i)
    return f"{born:%Y%m%d}2005011{(i % 999) + 1:03d}"


class DesBench:
    """What a des benchmark needs, each piece registered for removal on `stack`."""

    def __init__(self, stack: contextlib.ExitStack, prefix: str, settings: dict):
        self._stack = stack
        self._engine: sa.Engine | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix=prefix))
        self.amqp_uri = testing.create_vhost()
        self.on_exit(lambda: testing.delete_vhost(self.amqp_uri))
        self.keys = testing.TestKeys(self.workdir)
        self.des_db = testing.migrated_database("des")
        self.on_exit(lambda: testing.drop_database(self.des_db))
        self.env = testing.service_env(self.des_db, self.amqp_uri, self.keys.jwks_url, EKINERJA_LOG_LEVEL="WARNING",
                                       **settings)

    def on_exit(self, fn: Callable[[], object]) -> None:
        self._stack.callback(_quietly, fn)

    def start_des(self, port: int | None = None, **extra) -> testing.ServiceProcess:
        """One des process; `port` set: beside a running one on the same port (SO_REUSEPORT)."""
        env = {**self.env, **{k: str(v) for k, v in extra.items()}}
        process = (testing.ServiceProcess("des", env) if port is None
                   else testing.ServiceProcess("des", env, grpc_port=port))
        self.on_exit(process.stop)
        return process.start()

    def employees_with_skp(self, count: int, kuantitas: str = "1200", units: int = 1) -> list[tuple[str, str, list]]:
        """`count` employees (spread over `units` units) with an approved SKP of three kegiatan of target
        `kuantitas`, published as skp_approved events, returned once des has learned every one: (nip, skp_id, the
        employee's bearer metadata)."""
        day, employees = today(), []
        for i in range(count):
            nip, skp_id = nip_for(i), f"skp-{i}"
            kegiatan = [{"kegiatan_id": f"{skp_id}-k{n}", "nomor": n, "nama": f"kegiatan {n}", "satuan": "laporan",
                         "kuantitas": kuantitas, "kualitas": "100", "waktu": "12", "biaya": "0"} for n in (1, 2, 3)]
            testing.publish_event(self.amqp_uri, Event("skp_approved", "skp", {
                "skp_id": skp_id, "nip": nip, "instansi_id": INSTANSI, "unit_id": f"u-{i % units + 1}",
                "jabatan_id": "j-1",
                "period_start": f"{day.year}-01-01", "period_end": f"{day.year}-12-31",
                "penilai_nip": nip_for(10_000), "atasan_penilai_nip": None, "kegiatan": kegiatan, "version": 1},
                nip=nip, instansi_id=INSTANSI).envelope())
            employees.append((nip, skp_id, testing.bearer(self.keys.token(subject=nip, roles=["pegawai"],
                                                                          instansi=INSTANSI))))
        if not testing.wait_for(lambda: self.count("SELECT count(*) FROM skp_documents") == count, timeout=120,
                                interval=0.5):
            raise SystemExit("des did not learn the SKP documents")
        return employees

    def count(self, sql: str) -> int:
        with self.engine().connect() as conn:
            return conn.execute(sa.text(sql)).scalar()

    def wait_outbox_sent(self, timeout: float = 300.0) -> bool:
        """True once every event in des's outbox has been published."""
        return testing.wait_for(lambda: self.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0,
                                timeout=timeout, interval=0.1)

    def engine(self) -> sa.Engine:
        """One small pool on des's database for the bench's own reads, disposed at exit."""
        if self._engine is None:
            self._engine = sa.create_engine(self.des_db, pool_size=1, max_overflow=1)
            self.on_exit(self._engine.dispose)
        return self._engine


def _quietly(fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception as exc:  # keep cleaning up
        print(f"cleanup: {exc}", file=sys.stderr)


@contextlib.contextmanager
def des_bench(prefix: str, **settings) -> Iterator[DesBench]:
    with contextlib.ExitStack() as stack:
        yield DesBench(stack, prefix, settings)


def same_transport_settings() -> dict[str, str]:
    """The transport and worker settings that shape throughput, the same for every server a bench compares."""
    return {name: os.environ.get(name, default) for name, default in (
        ("EKINERJA_GRPC_POLL_SECONDS", "0.002"), ("EKINERJA_MAX_WORKERS", "20"))}
