"""`make run` / `make stop` / `make status`: the local demo stack on this machine.

run: creates the local settings file (random secrets, the demo password), the RabbitMQ vhost and each service's
database, migrates, seeds the demo agency (idempotent), starts every service as its own process with logs under
var/log/, waits until every health check says SERVING and prints endpoints and demo accounts. A second run while
running only reports. stop: stops exactly the processes run started (PID files under var/run/).
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The overrides below let a test run a second, isolated stack beside a developer's (own ports, databases, vhost).
VAR = Path(os.environ.get("EKINERJA_VAR_DIR", ROOT / "var"))
RUN, LOG = VAR / "run", VAR / "log"
LOCAL_ENV = VAR / "local.env"
DB_PREFIX = os.environ.get("EKINERJA_DB_PREFIX", "ekinerja_")
PORT_OFFSET = int(os.environ.get("EKINERJA_PORT_OFFSET", "0"))
# the gRPC ports (5005x) apart from the HTTP ones (80xx, 910x): a test keeps both below the ephemeral port range
GRPC_PORT_OFFSET = int(os.environ.get("EKINERJA_GRPC_PORT_OFFSET", str(PORT_OFFSET)))
# How long five services may take to say SERVING: a busy two-core machine needed over 90 s for snowman once; the
# wait ends as soon as every one is SERVING, so a quick start is not slowed.
START_SECONDS = 180
SERVICES = ["identity", "skp", "des", "recap", "snowman"]
BROKER_SERVICES = [*SERVICES, "sms"]  # the SMS bridge consumes one identity event (issue 19)
SMS_HTTP_PORT = 9106 + PORT_OFFSET
PORTAL_PORT = 8080 + PORT_OFFSET
DEFAULT_DEMO_PASSWORD = "Kinerja-Demo-2026"
PG = os.environ.get("EKINERJA_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
AMQP = os.environ.get("EKINERJA_AMQP", "amqp://guest:guest@127.0.0.1:5672")
VHOST = os.environ.get("EKINERJA_VHOST", "ekinerja")

sys.path[:0] = [str(ROOT / "libs")] + [str(ROOT / "services" / s) for s in [*SERVICES, "sms"]] + \
    [str(ROOT / "build/gen")]
from ekinerja_platform import broker_users  # noqa: E402
from ekinerja_platform.settings import DEFAULT_PORTS as _DEFAULT_PORTS  # noqa: E402
from ekinerja_platform.testing import health_status  # noqa: E402

DEFAULT_PORTS = {name: (g + GRPC_PORT_OFFSET, h + PORT_OFFSET) for name, (g, h) in _DEFAULT_PORTS.items()}


def local_env() -> dict:
    """Local-demo settings; secrets are generated once per checkout and kept in var/local.env (not committed)."""
    VAR.mkdir(exist_ok=True)
    if not LOCAL_ENV.exists():
        LOCAL_ENV.write_text(
            "# Local demo settings made by `make run`; never used outside this machine.\n"
            f"EKINERJA_NIP_HASH_KEY={secrets.token_hex(32)}\n")
        LOCAL_ENV.chmod(0o600)
    env = _read_local_env()
    # one broker user per service (issue 15.7): passwords made once, like the other local secrets
    missing = [broker_users.password_env(broker_user(s)) for s in BROKER_SERVICES]
    missing = [name for name in missing if name not in env]
    if missing:
        with LOCAL_ENV.open("a") as f:
            f.writelines(f"{name}={secrets.token_urlsafe(24)}\n" for name in missing)
        env = _read_local_env()
    if "EKINERJA_PORTAL_SESSION_KEY" not in env:  # the portal encrypts its users' tokens at rest with it
        with LOCAL_ENV.open("a") as f:
            f.write(f"EKINERJA_PORTAL_SESSION_KEY={secrets.token_hex(32)}\n")
        env = _read_local_env()
    phone_keys = [name for name in ("EKINERJA_PHONE_HASH_KEY", "EKINERJA_PHONE_ENCRYPTION_KEY") if name not in env]
    if phone_keys:  # identity hashes and encrypts employees' phone numbers with them (issue 19)
        with LOCAL_ENV.open("a") as f:
            f.writelines(f"{name}={secrets.token_hex(32)}\n" for name in phone_keys)
        env = _read_local_env()
    env.setdefault("EKINERJA_DEMO_PASSWORD", os.environ.get("EKINERJA_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD))
    return env


def _read_local_env() -> dict:
    env = {}
    for line in LOCAL_ENV.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


def broker_user(service: str) -> str:
    """Users are `<vhost>-<service>`: stacks on other vhosts (tests) get their own users."""
    return broker_users.user_name(service, f"{VHOST}-")


def service_amqp_uri(service: str, base: dict) -> str:
    user = broker_user(service)
    return broker_users.amqp_uri(AMQP.split("@", 1)[1], VHOST, user, base[broker_users.password_env(user)])


def service_env(service: str, base: dict) -> dict:
    grpc_port, http_port = DEFAULT_PORTS[service]
    env = dict(os.environ)
    env.update(base)
    env.update({
        "EKINERJA_DATABASE_URL": f"{PG}/{DB_PREFIX}{service}",
        "EKINERJA_AMQP_URI": service_amqp_uri(service, base),
        "EKINERJA_JWKS_URL": f"http://127.0.0.1:{DEFAULT_PORTS['identity'][1]}/.well-known/jwks.json",
        "EKINERJA_SIGNING_KEY_DIR": str(VAR / "keys"),
        "EKINERJA_GRPC_PORT": str(grpc_port),
        "EKINERJA_HTTP_PORT": str(http_port),
    })
    if service == "identity":
        # the portal runs on this machine and passes each browser's address on as x-forwarded-for (login throttle)
        env.setdefault("EKINERJA_TRUSTED_PROXIES", "127.0.0.1")
    return env


def portal_env(base: dict) -> dict:
    env = dict(os.environ)
    env.update(base)
    env.update({"EKINERJA_DATABASE_URL": f"{PG}/{DB_PREFIX}portal", "EKINERJA_HTTP_PORT": str(PORTAL_PORT),
                "EKINERJA_BIND_HOST": "127.0.0.1"})
    for name in SERVICES:
        env[f"EKINERJA_{name.upper()}_TARGET"] = f"127.0.0.1:{DEFAULT_PORTS[name][0]}"
    return env


def portal_ready() -> bool:
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORTAL_PORT}/ready", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def ensure_vhost(base: dict) -> None:
    """The vhost, its exchanges and policy, and one user per service allowed only its own events
    (`ekinerja_platform.broker_users`); the local admin user (from EKINERJA_AMQP) keeps full rights on it."""
    admin = AMQP.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
    passwords = {s: base[broker_users.password_env(broker_user(s))] for s in BROKER_SERVICES}
    broker_users.provision(VHOST, passwords, prefix=f"{VHOST}-", admins=[admin])


def pid_of(service: str) -> int | None:
    path = RUN / f"{service}.pid"
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (ValueError, ProcessLookupError, PermissionError):
        path.unlink(missing_ok=True)
        return None


def python() -> str:
    return str(ROOT / ".venv" / "bin" / "python")


def run() -> int:
    base = local_env()
    ensure_vhost(base)
    RUN.mkdir(parents=True, exist_ok=True)
    LOG.mkdir(parents=True, exist_ok=True)
    migrate(base)
    accounts = seed_demo(base)
    if not start_services(base) or not start_portal(base):
        return 1
    if os.environ.get("EKINERJA_DEMO_HISTORY", "1") != "0":
        seed_journeys(base)
    if start_sms(base):
        return 1
    print_welcome(base, accounts)
    return 0


def migrate(base: dict) -> None:
    for service in SERVICES:
        subprocess.run([python(), "-m", service, "migrate"], env=service_env(service, base), check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([python(), "-m", "portal", "migrate"], env=portal_env(base), check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def _spawn(name: str, env: dict) -> None:
    """Start `python -m <name> run` in its own session, logging to var/log, its pid in var/run."""
    log = open(LOG / f"{name}.log", "ab")
    process = subprocess.Popen([python(), "-m", name, "run"], env=env, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    (RUN / f"{name}.pid").write_text(str(process.pid))


def start_services(base: dict) -> bool:
    """Start the five services (those not running yet) and wait until each says SERVING."""
    for service in SERVICES:
        if pid_of(service):
            print(f"{service}: already running (pid {pid_of(service)})")
            continue
        _spawn(service, service_env(service, base))
    deadline = time.monotonic() + START_SECONDS
    pending = list(SERVICES)
    while pending and time.monotonic() < deadline:
        pending = [s for s in pending if health_status(f"127.0.0.1:{DEFAULT_PORTS[s][0]}") != "SERVING"]
        for service in pending:
            if not pid_of(service):
                print(f"{service} exited; see var/log/{service}.log", file=sys.stderr)
                return False
        time.sleep(0.5)
    if pending:
        print(f"not SERVING after {START_SECONDS} s: {', '.join(pending)} (see var/log/)", file=sys.stderr)
        return False
    return True


def start_portal(base: dict) -> bool:
    if not pid_of("portal"):
        _spawn("portal", portal_env(base))
    deadline = time.monotonic() + 60  # not ready by then: `make run` goes on and says where to look
    while not portal_ready() and time.monotonic() < deadline:
        if not pid_of("portal"):
            print("portal exited; see var/log/portal.log", file=sys.stderr)
            return False
        time.sleep(0.3)
    return True


def print_welcome(base: dict, accounts: list[tuple[str, str]]) -> None:
    print("\ne-Kinerja is running:")
    for service in SERVICES:
        grpc_port, http_port = DEFAULT_PORTS[service]
        print(f"  {service:9} gRPC 127.0.0.1:{grpc_port}   metrics http://127.0.0.1:{http_port}/metrics")
    print(f"  {'portal':9} http://127.0.0.1:{PORTAL_PORT}/   (open it in a browser; sign in with a demo account)")
    print(f"  {'sms':9} bridge http://127.0.0.1:{SMS_HTTP_PORT}/metrics, gammu-smsd with a dummy phone (var/gammu)")
    print('  send an SMS: .venv/bin/python -m sms.dev.devphone kirim +6281200000001 "INFO"   (docs/sms.md)')
    if accounts:
        print(f"\nDemo accounts (password: {base['EKINERJA_DEMO_PASSWORD']}):")
        for login, description in accounts:
            print(f"  {login:20} {description}")
    print("\nTry: .venv/bin/ekinerja login --user admin    |  stop with: make stop")


def seed_demo(base: dict) -> list[tuple[str, str]]:
    """Each service may offer `<svc>.demo.seed(env) -> [(login, description)]`; identity's lists the accounts."""
    accounts = []
    for service in SERVICES:
        if not (ROOT / "services" / service / service / "demo.py").exists():
            continue
        result = subprocess.run([python(), "-m", f"{service}.demo"], env=service_env(service, base), cwd=ROOT,
                                check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        for line in result.stdout.splitlines():
            if line.startswith("account\t"):
                _, login, description = line.split("\t", 2)
                accounts.append((login, description))
    return accounts


def seed_journeys(base: dict) -> None:
    """The demo's SKPs, results and working history through the running services (scripts/demo_seed.py)."""
    from demo_seed import seed

    def run_module(service: str, args: list[str], stdin: str) -> str:
        return subprocess.run([python(), "-m", f"{service}.demo", *args], env=service_env(service, base), cwd=ROOT,
                              check=True, capture_output=True, text=True, input=stdin).stdout

    print("seeding the demo's SKPs and working history (first run: a few minutes) ...", flush=True)
    targets = {s: f"127.0.0.1:{DEFAULT_PORTS[s][0]}" for s in SERVICES}
    summary = seed(targets, base["EKINERJA_DEMO_PASSWORD"], run_module, log=lambda line: print(f"  {line}"))
    print(f"  demo: {json.dumps(summary)}")


def sms_env(base: dict) -> dict:
    env = dict(os.environ)
    env.update(base)
    env.update({"EKINERJA_DATABASE_URL": f"{PG}/{DB_PREFIX}sms",
                "EKINERJA_SMS_GAMMU_DATABASE_URL": f"{PG}/{DB_PREFIX}gammu",
                "EKINERJA_AMQP_URI": service_amqp_uri("sms", base), "EKINERJA_HTTP_PORT": str(SMS_HTTP_PORT),
                "EKINERJA_BIND_HOST": "127.0.0.1", "EKINERJA_SMS_POLL_SECONDS": "1",
                "EKINERJA_SMS_DEV_GAMMU_DIR": str(VAR / "gammu")})
    for name in ("identity", "des", "snowman", "recap"):
        env[f"EKINERJA_{name.upper()}_TARGET"] = f"127.0.0.1:{DEFAULT_PORTS[name][0]}"
    return env


def sms_client(base: dict) -> dict:
    """The bridge's API client (scopes sms:bridge, recap:read), made once through identity as the demo admin; its
    secret is kept in var/local.env like the other local secrets."""
    if "EKINERJA_SMS_CLIENT_SECRET" in base:
        return base
    import uuid

    import grpc

    from ekinerja.identity.v1 import identity_pb2 as pb
    from ekinerja.identity.v1 import identity_pb2_grpc
    with grpc.insecure_channel(f"127.0.0.1:{DEFAULT_PORTS['identity'][0]}") as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        token = stub.Login(pb.LoginRequest(user="admin", password=base["EKINERJA_DEMO_PASSWORD"]), timeout=20)
        made = stub.CreateApiClient(pb.CreateApiClientRequest(
            client_id=f"sms-gateway-{uuid.uuid4().hex[:6]}", name="Gerbang SMS (demo)", instansi_id="KAB-DEMO",
            scopes=["sms:bridge", "recap:read"]), timeout=20,
            metadata=[("authorization", f"Bearer {token.access_token}"), ("x-idempotency-key", uuid.uuid4().hex)])
    with LOCAL_ENV.open("a") as f:
        f.write(f"EKINERJA_SMS_CLIENT_ID={made.client_id}\nEKINERJA_SMS_CLIENT_SECRET={made.client_secret}\n")
        if "EKINERJA_SMS_PHONE_KEY" not in base:
            f.write(f"EKINERJA_SMS_PHONE_KEY={secrets.token_hex(32)}\n")
    return _read_local_env() | {"EKINERJA_DEMO_PASSWORD": base["EKINERJA_DEMO_PASSWORD"]}


def start_sms(base: dict) -> int:
    """gammu-smsd on a dummy phone (var/gammu) with its PostgreSQL database, and the SMS bridge (services/sms)."""
    base = sms_client(base)
    env = sms_env(base)
    subprocess.run([python(), "-m", "sms", "gammu-setup"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([python(), "-m", "sms", "migrate"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    if not pid_of("gammu-smsd"):
        from sms.dev import dummy_phone
        root = VAR / "gammu"
        root.mkdir(parents=True, exist_ok=True)
        device = dummy_phone.prepare(root)
        (root / "smsdrc").write_text(dummy_phone.smsdrc(root, device, dummy_phone.db_params(f"{PG}/{DB_PREFIX}gammu")))
        (root / "smsd.pid").unlink(missing_ok=True)
        process = subprocess.Popen(["gammu-smsd", "-c", str(root / "smsdrc"), "-p", str(root / "smsd.pid")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        (RUN / "gammu-smsd.pid").write_text(str(process.pid))
    if not pid_of("sms"):
        log = open(LOG / "sms.log", "ab")
        process = subprocess.Popen([python(), "-m", "sms", "run"], env=env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        (RUN / "sms.pid").write_text(str(process.pid))
    import urllib.request
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{SMS_HTTP_PORT}/ready", timeout=2) as reply:
                if reply.status == 200:
                    return 0
        except OSError:
            pass
        if not pid_of("sms"):
            break
        time.sleep(0.5)
    print("sms bridge not ready; see var/log/sms.log", file=sys.stderr)
    return 1


def stop() -> int:
    for service in ["sms", "gammu-smsd", "portal", *reversed(SERVICES)]:
        pid = pid_of(service)
        if not pid:
            continue
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        (RUN / f"{service}.pid").unlink(missing_ok=True)
        print(f"{service}: stopped")
    return 0


def status() -> int:
    for service in SERVICES:
        pid = pid_of(service)
        health = health_status(f"127.0.0.1:{DEFAULT_PORTS[service][0]}")
        print(f"{service:9} pid={pid or '-':<8} health={health or 'unreachable'}")
    print(f"{'portal':9} pid={pid_of('portal') or '-':<8} health={'SERVING' if portal_ready() else 'unreachable'}"
          f"  http://127.0.0.1:{PORTAL_PORT}/")
    print(f"{'sms':9} pid={pid_of('sms') or '-':<8} gammu-smsd pid={pid_of('gammu-smsd') or '-'}")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    raise SystemExit({"run": run, "stop": stop, "status": status}[command]())
