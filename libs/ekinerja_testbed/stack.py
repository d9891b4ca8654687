"""The five services as real processes on a private PostgreSQL cluster and RabbitMQ node (`Testbed`).

The fault suite kills, stops and restarts pieces of this stack; nothing here touches the machine's shared servers.
Tokens come from a test signing key (`ekinerja_platform.testing.TestKeys`): skp, des, recap and snowman read its
JWKS from a file; identity runs with its own key directory, as in production. des learns SKP documents only from
`skp_approved` events, so `Testbed.approve_skp` plays skp's part (as des's own integration tests do).
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo
from pathlib import Path

import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.outbox import Event

from .servers import PostgresCluster, RabbitNode

SERVICES = ("identity", "skp", "des", "recap", "snowman")
INSTANSI = "i-fault"


def new_nip(rng: random.Random) -> str:
    """A valid 18-digit NIP (birth date, TMT CPNS month, gender, sequence)."""
    born = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(0, 9000))
    return f"{born:%Y%m%d}200501{rng.choice('12')}{rng.randint(1, 999):03d}"


def today() -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo("Asia/Jakarta")).date()


class Testbed:
    """Private PostgreSQL clusters (recap's database on its own) + a RabbitMQ node + the five services, each with
    its own migrated database.

    Small on purpose (the machine is shared): `max_workers` bounds each service's workers and its database pool.
    """

    def __init__(self, work_dir: Path, max_workers: int = 6, extra_env: dict | None = None, rabbit=None,
                 services: tuple[str, ...] = SERVICES):
        self.work_dir = Path(work_dir)
        self.service_names = services  # the scale suite runs only those its load needs
        self.max_workers = max_workers
        # the test process plays the ingress: identity believes its x-forwarded-for (EKINERJA_TRUSTED_PROXIES)
        self.extra_env = {"identity": {"EKINERJA_TRUSTED_PROXIES": "127.0.0.1/32"}}
        for svc, env in (extra_env or {}).items():
            self.extra_env.setdefault(svc, {}).update(env)
        self.pg = PostgresCluster()
        # recap's database on a cluster of its own, so a test can take it down while des keeps taking submits
        self.recap_pg = PostgresCluster(max_connections=40)
        self.rabbit = rabbit or RabbitNode()  # or a `RabbitCluster` (the scale suite)
        self.keys = testing.TestKeys(self.work_dir)
        self.databases: dict[str, str] = {}
        self.services: dict[str, testing.ServiceProcess] = {}
        self._engines: dict[str, sa.Engine] = {}
        self.rng = random.Random()

    # life cycle ------------------------------------------------------------------------------------------------------
    def start(self) -> "Testbed":
        from ekinerja_platform.migrate import migrate
        self.pg.start()
        self.recap_pg.start()
        self.rabbit.start()
        # one broker user per service with only its own rights (issue 15.7), as in production: each service (and
        # `testing.publish_event`, playing skp) connects as its own user through `testing.broker_user_uri`
        self.broker_users = self.rabbit.provision_users()
        testing.register_broker_users(self.rabbit.uri, self.broker_users)
        for svc in self.service_names:
            url = self.cluster(svc).create_database(f"fault_{svc}")
            migrate(url, str(testing.REPO_ROOT / "services" / svc / "migrations"))
            self.databases[svc] = url
        key_dir = self.work_dir / "identity-keys"
        key_dir.mkdir(exist_ok=True)
        for svc in self.service_names:
            extra = {"EKINERJA_SIGNING_KEY_DIR": str(key_dir)} if svc == "identity" else {}
            extra.update(self.extra_env.get(svc, {}))
            env = testing.service_env(self.databases[svc], self.rabbit.uri, self.keys.jwks_url,
                                      EKINERJA_MAX_WORKERS=str(self.max_workers), **extra)
            self.services[svc] = testing.ServiceProcess(svc, env)
        for svc in self.service_names:
            self.services[svc].start(wait=120)
        return self

    def stop(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        for proc in self.services.values():
            proc.stop()
            if proc.log_path:
                proc.log_path.unlink(missing_ok=True)
        self.rabbit.destroy()
        self.pg.destroy()
        self.recap_pg.destroy()

    def cluster(self, svc: str) -> PostgresCluster:
        return self.recap_pg if svc == "recap" else self.pg

    @property
    def clusters(self) -> tuple[PostgresCluster, PostgresCluster]:
        return self.pg, self.recap_pg

    def restart_service(self, svc: str, kill: bool = False) -> None:
        """Stop `svc` (SIGTERM, or SIGKILL with `kill`) and start it again on the same ports and database."""
        proc = self.services[svc]
        proc.kill() if kill else proc.stop()
        if proc.log_path:
            proc.log_path.unlink(missing_ok=True)
        proc.start(wait=120)

    def logs(self, *services: str) -> str:
        """The last lines of each service's log, without the broker reconnection noise."""
        def tail(svc):
            path = self.services[svc].log_path
            text = path.read_text(errors="replace") if path and path.exists() else ""
            lines = [line for line in text.splitlines()
                     if "Error connecting to broker" not in line and "killing managed thread" not in line]
            return "\n".join(line[:1500] for line in lines[-25:])
        return "\n".join(f"--- {svc} ---\n{tail(svc)}" for svc in (services or self.services))

    # direct reads for the checks (never used to drive the services) -------------------------------------------------
    def engine(self, svc: str) -> sa.Engine:
        if svc not in self._engines:
            self._engines[svc] = sa.create_engine(self.databases[svc], poolclass=sa.pool.NullPool)
        return self._engines[svc]

    def scalar(self, svc: str, sql: str, **params):
        with self.engine(svc).connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    # playing other services' parts -----------------------------------------------------------------------------------
    def token(self, nip: str, roles=("pegawai",)) -> list[tuple[str, str]]:
        return testing.bearer(self.keys.token(subject=nip, roles=list(roles), instansi=INSTANSI))

    def skp_approved(self, nip: str, penilai: str, skp_id: str | None = None, version: int = 1) -> dict:
        """The envelope of skp's `skp_approved` for `nip` (a yearly SKP with one kegiatan, `<skp_id>-k1`)."""
        year = today().year
        skp_id = skp_id or f"skp-{uuid.uuid4().hex[:8]}"
        kegiatan = [{"kegiatan_id": f"{skp_id}-k1", "nomor": 1, "nama": "Menyusun laporan", "satuan": "laporan",
                     "kuantitas": "10000", "kualitas": "100", "waktu": "12", "biaya": "0"}]
        data = {"skp_id": skp_id, "nip": nip, "instansi_id": INSTANSI, "unit_id": "u-fault", "jabatan_id": "j-fault",
                "period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "penilai_nip": penilai,
                "atasan_penilai_nip": None, "kegiatan": kegiatan, "version": version}
        return Event("skp_approved", "skp", data, nip=nip, instansi_id=INSTANSI).envelope()

    def approve_skp(self, nip: str, penilai: str) -> str:
        """Publish skp's `skp_approved` for `nip` as skp's broker user; returns its kegiatan id."""
        envelope = self.skp_approved(nip, penilai)
        testing.publish_event(self.rabbit.uri, envelope)
        return envelope["data"]["kegiatan"][0]["kegiatan_id"]

    def metric(self, svc: str, name: str, **labels: str) -> float:
        """The sum of `svc`'s Prometheus samples `name` whose labels include `labels` (0 when none)."""
        import requests
        text = requests.get(f"http://127.0.0.1:{self.services[svc].http_port}/metrics", timeout=10).text
        want = [f'{k}="{v}"' for k, v in labels.items()]
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                series, value = line.rsplit(" ", 1)
                if all(w in series for w in want):
                    total += float(value)
        return total

    def account(self, login: str, password: str, roles=("operator",)) -> None:
        """An identity account, made the supported way (identity's bootstrap code, as its demo seed does)."""
        from identity.bootstrap import database, ensure_account
        db = database(self.databases["identity"])
        try:
            ensure_account(db, login=login, password=password, roles=list(roles))
        finally:
            db.engine.dispose()

    def employees(self, count: int) -> list[tuple[str, str]]:
        """`count` employees with an approved SKP known to des: [(nip, kegiatan_id)]."""
        penilai = new_nip(self.rng)
        made = [(nip, self.approve_skp(nip, penilai)) for nip in {new_nip(self.rng) for _ in range(count)}]
        nips = [nip for nip, _ in made]
        ready = testing.wait_for(lambda: self.scalar(
            "des", "SELECT count(DISTINCT nip) FROM skp_documents WHERE nip = ANY(:nips)", nips=nips) == len(nips),
            timeout=60)
        if not ready:
            raise AssertionError(f"des did not learn the SKP documents:\n{self.logs('des')}")
        return made
