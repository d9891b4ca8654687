"""Helpers of the cross-service end-to-end suite: the five real services as processes, gRPC clients with identity's
real tokens, waiting with a deadline for eventual consistency, the scenario calendar, and an independent model of
what recap must count.

Imported by absolute name (tests/e2e/conftest.py puts this folder on sys.path). Nothing here talks to a service's
database: every write and read goes through the services' public gRPC APIs.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc

from ekinerja_platform import testing

SERVICES = ("identity", "skp", "des", "recap", "snowman")
DES_TIMEZONE = "Asia/Jakarta"
PASSWORD = "E2e-Passw0rd-" + uuid.uuid4().hex[:6]
EKINERJA = str(testing.REPO_ROOT / ".venv" / "bin" / "ekinerja")
TWO = Decimal("0.01")


class Process(testing.ServiceProcess):
    """`ServiceProcess` whose start is split in two, so the four services that depend on identity boot together."""

    def launch(self) -> "Process":
        env = dict(os.environ)
        env.update(self.env)
        env.update({"EKINERJA_GRPC_PORT": str(self.grpc_port), "EKINERJA_HTTP_PORT": str(self.http_port),
                    "EKINERJA_BIND_HOST": "127.0.0.1"})
        self.log_path = Path(tempfile.mkstemp(prefix=f"e2e-{self.module}-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", self.module, "run"], env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, cwd=testing.REPO_ROOT)
        return self


# -- the stack ------------------------------------------------------------------------------------------------------

class Stack:
    """identity, skp, des, recap and snowman as real processes: each on its own freshly migrated database, all on one
    fresh vhost, every service but identity verifying tokens with identity's JWKS over HTTP."""

    def __init__(self, amqp_uri: str, key_dir, env: dict | None = None):
        self.amqp_uri = amqp_uri
        self.key_dir = key_dir
        self.env = dict(env or {})  # added to every service's environment (e.g. where to send traces)
        self.databases: dict[str, str] = {}
        self.processes: dict[str, testing.ServiceProcess] = {}
        self.channels: list[grpc.Channel] = []
        self.admin_password = "admin-" + uuid.uuid4().hex

    # start ---------------------------------------------------------------------------------------------------------
    def start(self) -> "Stack":
        for svc in SERVICES:   # one after the other: the test process runs under eventlet (nameko's plugin)
            self.databases[svc] = testing.migrated_database(svc)
        self._bootstrap_admin()
        # The suite's fixtures hold tokens for the whole session: an hour, so a slow, loaded run never sees one
        # expire mid-session (token expiry itself is identity's tests' business).
        identity_env = testing.service_env(self.databases["identity"], self.amqp_uri, "",
                                           EKINERJA_SIGNING_KEY_DIR=str(self.key_dir),
                                           EKINERJA_ACCESS_TOKEN_TTL_SECONDS="3600", **self.env)
        self.processes["identity"] = Process("identity", identity_env).launch()
        self.processes["identity"].wait_serving(60)
        jwks = f"http://127.0.0.1:{self.processes['identity'].http_port}/.well-known/jwks.json"
        # recap logs each event it applied at DEBUG: the trace test finds its line by the trace id
        extra = {"des": {"EKINERJA_TIMEZONE": DES_TIMEZONE}, "recap": {"EKINERJA_LOG_LEVEL": "DEBUG"}}
        for svc in SERVICES[1:]:   # launched together, then each awaited
            env = testing.service_env(self.databases[svc], self.amqp_uri, jwks, **self.env, **extra.get(svc, {}))
            self.processes[svc] = Process(svc, env).launch()
        for svc in SERVICES[1:]:
            self.processes[svc].wait_serving(90)
        return self

    def _bootstrap_admin(self) -> None:
        """The first admin_bkn account, the supported way: identity's own bootstrap code (`identity.bootstrap`, the
        path its demo seed uses), which hashes the password and audits the creation. Everything after this goes
        through identity's gRPC API with this account's real token."""
        from identity.bootstrap import database, ensure_account
        db = database(self.databases["identity"])
        try:
            ensure_account(db, login="admin", password=self.admin_password, roles=["admin_bkn"])
        finally:
            db.engine.dispose()

    # stop ----------------------------------------------------------------------------------------------------------
    def stop(self) -> None:
        for channel in self.channels:
            channel.close()
        for proc in self.processes.values():
            proc.stop()
            if proc.log_path:
                proc.log_path.unlink(missing_ok=True)
        for url in self.databases.values():
            testing.drop_database(url)

    def logs(self) -> str:
        return "\n".join(f"--- {svc} ---\n{proc.log()}" for svc, proc in self.processes.items())

    # clients -------------------------------------------------------------------------------------------------------
    def stub(self, svc: str):
        import importlib
        grpc_mod = importlib.import_module(f"ekinerja.{svc}.v1.{svc}_pb2_grpc")
        channel = grpc.insecure_channel(self.processes[svc].target)
        self.channels.append(channel)
        return getattr(grpc_mod, f"{svc.capitalize()}ServiceStub")(channel)


def pb(svc: str):
    import importlib
    return importlib.import_module(f"ekinerja.{svc}.v1.{svc}_pb2")


def auth(token: str, key: bool = False) -> list[tuple[str, str]]:
    """Bearer metadata; with `key`, a fresh idempotency key (every write of this suite sends one)."""
    md = testing.bearer(token)
    if key:
        md.append(("x-idempotency-key", uuid.uuid4().hex))
    return md


def rpc_error(call) -> grpc.RpcError:
    try:
        call()
    except grpc.RpcError as exc:
        return exc
    raise AssertionError("the call succeeded; an error was expected")


WAITING_CODES = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION)


def eventually(check, timeout: float = 45.0, interval: float = 0.25, what: str = "", codes=WAITING_CODES):
    """Call `check` until it returns without AssertionError (or a gRPC error with one of `codes`: the data has not
    arrived yet) - eventual consistency over the broker; return its value. On the deadline the last failure is
    raised, so a wrong number fails with its real diff."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, grpc.RpcError) as exc:
            if isinstance(exc, grpc.RpcError) and exc.code() not in codes:
                raise
            if time.monotonic() >= deadline:
                if what:
                    raise AssertionError(f"not reached within {timeout:.0f}s: {what}: {exc}") from exc
                raise
        time.sleep(interval)


# -- people ---------------------------------------------------------------------------------------------------------

_seq = iter(range(1, 999))


def new_nip(gender: int = 1) -> str:
    """A valid NIP (born 1975-1994, CPNS at 24), distinct within the test session."""
    n = next(_seq)
    year = 1975 + n % 20
    month = 1 + n % 12
    day = 1 + n % 28
    return f"{year:04d}{month:02d}{day:02d}{year + 24:04d}{month:02d}{gender}{n:03d}"


@dataclass
class Person:
    nip: str
    nama: str
    token: str = ""

    def md(self, key: bool = False):
        return auth(self.token, key)


class Identity:
    """identity's gRPC API driven as an agency's administrators would."""

    def __init__(self, stack: Stack):
        self.stub = stack.stub("identity")
        self.pb = pb("identity")
        self.admin_token = self.login("admin", stack.admin_password)

    def login(self, user: str, password: str) -> str:
        return self.stub.Login(self.pb.LoginRequest(user=user, password=password), timeout=20).access_token

    def admin(self, key: bool = True):
        return auth(self.admin_token, key)

    def instansi(self, instansi_id: str, nama: str):
        self.stub.UpsertInstansi(self.pb.Instansi(id=instansi_id, nama=nama, kind=self.pb.INSTANSI_KIND_KABUPATEN),
                                 metadata=self.admin(), timeout=20)

    def unit(self, instansi_id: str, unit_id: str, nama: str, parent: str = ""):
        self.stub.UpsertUnit(self.pb.Unit(id=unit_id, instansi_id=instansi_id, nama=nama, parent_id=parent),
                             metadata=self.admin(), timeout=20)

    def jabatan(self, instansi_id: str, jabatan_id: str, unit_id: str, nama: str, kind: str, group: str,
                parent: str = "", eselon: str = "", jenjang: str = ""):
        self.stub.UpsertJabatan(self.pb.Jabatan(
            id=jabatan_id, instansi_id=instansi_id, unit_id=unit_id, nama=nama,
            kind=getattr(self.pb, f"JABATAN_KIND_{kind.upper()}"),
            job_group=getattr(self.pb, f"JOB_GROUP_{group.upper()}"), parent_id=parent, eselon=eselon,
            jenjang=jenjang), metadata=self.admin(), timeout=20)

    def pegawai(self, instansi_id: str, nama: str, golongan: str = "III/a", roles=("pegawai",), kelompok=(),
                gender: int = 1) -> Person:
        nip = new_nip(gender)
        self.stub.RegisterPegawai(self.pb.Pegawai(nip=nip, nama=nama, instansi_id=instansi_id, golongan=golongan,
                                                  status="aktif"), metadata=self.admin(), timeout=20)
        self.stub.CreateAccount(self.pb.CreateAccountRequest(
            account=self.pb.Account(nip=nip, roles=list(roles), kelompok=list(kelompok), instansi_id=instansi_id),
            password=PASSWORD), metadata=self.admin(), timeout=20)
        return Person(nip, nama, self.login(nip, PASSWORD))

    def assign(self, nip: str, jabatan_id: str, start: dt.date, end: dt.date | None = None):
        return self.stub.AssignJabatan(self.pb.AssignJabatanRequest(nip=nip, jabatan_id=jabatan_id,
                                                                    start=start.isoformat(),
                                                                    end=end.isoformat() if end else ""),
                                       metadata=self.admin(), timeout=20)

    def admin_instansi(self, instansi_id: str) -> str:
        login = f"adm-{instansi_id.lower()}"
        self.stub.CreateAccount(self.pb.CreateAccountRequest(
            account=self.pb.Account(login=login, roles=["admin_instansi"], instansi_id=instansi_id),
            password=PASSWORD), metadata=self.admin(), timeout=20)
        return self.login(login, PASSWORD)


# -- skp ------------------------------------------------------------------------------------------------------------

class Skp:
    def __init__(self, stack: Stack):
        self.stub = stack.stub("skp")
        self.pb = pb("skp")

    def documents(self, person: Person, year: int, count: int = 1):
        """The employee's documents of `year` (skp's yearly rollover may also have drafted the next year's)."""
        def check():
            docs = list(self.stub.ListSkp(self.pb.ListSkpRequest(nip=person.nip, year=year), metadata=person.md(),
                                          timeout=20).documents)
            assert len(docs) >= count, f"{len(docs)} SKP documents of {person.nama}, want {count}"
            return docs
        return eventually(check, what=f"skp drafts {count} document(s) of {person.nama} from identity's events")

    def agree(self, owner: Person, penilai: Person, doc, kegiatan: list[dict]):
        """The employee sets its targets and submits; the penilai recorded on the document approves."""
        self.stub.UpdateTargets(self.pb.UpdateTargetsRequest(
            skp_id=doc.skp_id, expected_version=doc.version,
            kegiatan=[self.pb.KegiatanTarget(**k) for k in kegiatan]), metadata=owner.md(True), timeout=20)
        self.stub.SubmitSkp(self.pb.SubmitSkpRequest(skp_id=doc.skp_id), metadata=owner.md(True), timeout=20)
        approved = self.stub.ApproveSkp(self.pb.ApproveSkpRequest(skp_id=doc.skp_id), metadata=penilai.md(True),
                                        timeout=20).document
        assert approved.status == "approved"
        return approved


# -- des ------------------------------------------------------------------------------------------------------------

class Des:
    def __init__(self, stack: Stack):
        self.stub = stack.stub("des")
        self.pb = pb("des")

    def wait_for_skp(self, person: Person, skp_id: str):
        """des builds the monthly targets from skp's `skp_approved`."""
        def check():
            reply = self.stub.GetMonthlyTargets(self.pb.GetMonthlyTargetsRequest(skp_id=skp_id),
                                                metadata=person.md(), timeout=20)
            assert reply.targets, "no monthly targets yet"
            return reply
        return eventually(check, what=f"des receives the approved SKP of {person.nama}")

    def report(self, person: Person, tanggal: dt.date, kegiatan_id: str, kuantitas: str, uraian: str, menit=60,
               proses=False):
        return self.stub.SubmitActivity(self.pb.SubmitActivityRequest(
            activity=self.activity_input(tanggal, kegiatan_id, kuantitas, uraian, menit, proses),
            idempotency_key=uuid.uuid4().hex), metadata=person.md(), timeout=20)

    def activity_input(self, tanggal, kegiatan_id, kuantitas, uraian, menit=60, proses=False):
        return self.pb.ActivityInput(tanggal=tanggal.isoformat(), jenis=self.pb.JENIS_SKP, kegiatan_id=kegiatan_id,
                                     uraian=uraian, kuantitas=kuantitas, menit=menit, proses=proses)

    def approve(self, penilai: Person, *items):
        """items: activity or (activity, kuantitas_diakui)."""
        request = self.pb.ApproveActivitiesRequest(items=[
            self.pb.ApproveItem(activity_id=i.activity_id) if not isinstance(i, tuple)
            else self.pb.ApproveItem(activity_id=i[0].activity_id, kuantitas_diakui=i[1]) for i in items])
        return list(self.stub.ApproveActivities(request, metadata=penilai.md(True), timeout=20).activities)


# -- calendar -------------------------------------------------------------------------------------------------------

def des_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(DES_TIMEZONE)).date()


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Monday to Friday (recap's holiday table starts empty in a fresh database)."""
    out, day = [], start
    while day <= end:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def first_working_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass
class Calendar:
    """The scenario month M: wholly in the past when today is early in the month (the previous month, reachable with
    an entry window of 28 days), else the current month up to day 27 (today is then the 28th or later).
    Activities are dated in M; plans, which des only takes for today or later, are dated today."""
    today: dt.date
    month_start: dt.date
    window_days: int = 28

    @classmethod
    def now(cls) -> "Calendar":
        """`E2E_SCENARIO_MONTH=previous|current` forces a branch (previous needs today's day <= 28)."""
        today = des_today()
        forced = os.environ.get("E2E_SCENARIO_MONTH", "")
        if forced == "previous" or (not forced and today.day <= 27):
            month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        else:
            month_start = today.replace(day=1)
        return cls(today, month_start)

    @property
    def year_start(self) -> dt.date:
        return self.month_start.replace(month=1, day=1)

    @property
    def bulan(self) -> str:
        return self.month_start.strftime("%Y-%m")

    @property
    def last_day(self) -> dt.date:
        """The scenario's range ends on day 27 (before today in either case)."""
        return self.month_start.replace(day=27)

    def days(self) -> list[dt.date]:
        return working_days(self.month_start, self.last_day)

    @property
    def move_date(self) -> dt.date:
        return first_working_on_or_after(self.month_start.replace(day=15))

    @property
    def leave(self) -> tuple[dt.date, dt.date]:
        return self.month_start.replace(day=8), self.month_start.replace(day=12)

    @property
    def plans_possible(self) -> bool:
        """Plans need an approved SKP covering today: the scenario's SKPs cover the year of M."""
        return self.today.year == self.month_start.year


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


# -- the expected recap, computed independently from what the scenario did -------------------------------------------

@dataclass
class Entry:
    """One des entry as the scenario left it."""
    nip: str
    unit: str
    tanggal: dt.date
    kuantitas: Decimal
    menit: int
    state: str                       # submitted, resubmitted, revision_requested, approved, locked
    diakui: Decimal | None = None
    proses: bool = False
    skp_id: str = ""
    kegiatan_id: str = ""


@dataclass
class PlanFact:
    nip: str
    unit: str
    tanggal: dt.date
    kuantitas: Decimal


@dataclass
class Ledger:
    """What the scenario did, kept by the test itself (not read back from any service)."""
    entries: dict[str, Entry] = field(default_factory=dict)
    plans: list[PlanFact] = field(default_factory=list)

    def counters(self, nip: str | None, unit: str | None, start: dt.date, end: dt.date, year: bool = False) -> dict:
        out = defaultdict(Decimal)
        for e in self.entries.values():
            if (nip and e.nip != nip) or (unit and e.unit != unit) or not start <= e.tanggal <= end:
                continue
            out["reported"] += 1
            out["reported_qty"] += e.kuantitas
            out["reported_minutes"] += e.menit
            if e.state in ("approved", "locked"):
                out["approved"] += 1
                out["approved_minutes"] += e.menit
                if not (year and e.proses):
                    out["recognised_qty"] += e.diakui
            elif e.state in ("submitted", "resubmitted"):
                out["pending"] += 1
            elif e.state == "revision_requested":   # waiting for the employee's fix
                out["revisions"] += 1
        for p in self.plans:
            if (nip and p.nip != nip) or (unit and p.unit != unit) or not start <= p.tanggal <= end:
                continue
            out["plans"] += 1
            out["planned_qty"] += p.kuantitas
        return {k: (_fmt(v) if k.endswith("_qty") else int(v)) for k, v in out.items()} | {
            k: "0.00" for k in ("reported_qty", "recognised_qty", "planned_qty") if k not in out}

    def recognised(self, skp_id: str, kegiatan_id: str, start: dt.date, end: dt.date, year: bool = False) -> Decimal:
        return sum((e.diakui for e in self.entries.values()
                    if e.skp_id == skp_id and e.kegiatan_id == kegiatan_id and start <= e.tanggal <= end
                    and e.state in ("approved", "locked") and not (year and e.proses)), Decimal(0))


COUNTER_FIELDS = ("plans", "planned_qty", "reported", "reported_qty", "reported_minutes", "approved",
                  "recognised_qty", "approved_minutes", "pending", "revisions")


def _fmt(value: Decimal) -> str:
    return str(Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP))


def fmt(value) -> str:
    return _fmt(Decimal(value))


def counters_of(message) -> dict:
    """A recap Counters message as the subset the ledger predicts."""
    return {f: getattr(message, f) for f in COUNTER_FIELDS}


def expect(ledger_counters: dict) -> dict:
    return {f: ledger_counters.get(f, 0) for f in COUNTER_FIELDS}


# -- the offline calculator -----------------------------------------------------------------------------------------

def offline_score(score_input: dict) -> dict:
    done = subprocess.run([EKINERJA, "skp", "score", "-"], input=json.dumps(score_input).encode(),
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def score_as_contract(response) -> dict:
    """A ScoreSkpResponse in SKP_SCORE_FORMAT.md's output form."""
    from skp.entrypoints.score_view import score_response_as_contract
    return score_response_as_contract(response)
