"""`make run`'s stack, isolated beside any developer stack, scraped by the real Prometheus from Debian.

Runs scripts/devstack.py (what `make run` runs) with its own var dir, databases, vhost and ports, checks every
service reaches SERVING and answers reflection, starts Prometheus with deploy/prometheus/prometheus.yml pointed at
those ports, and asserts all five targets are up and a gRPC request counter moves after a call.
"""
import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
import yaml

from ekinerja_platform import testing
from ekinerja_platform.settings import DEFAULT_PORTS

pytestmark = pytest.mark.integration
ROOT = testing.REPO_ROOT
SERVICES = list(DEFAULT_PORTS)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    offset = testing.free_port_offset([8080, *(http for _, http in DEFAULT_PORTS.values()), 9106])
    grpc_offset = testing.free_port_offset([grpc for grpc, _ in DEFAULT_PORTS.values()])
    env = dict(os.environ)
    env.update({"EKINERJA_VAR_DIR": str(tmp_path_factory.mktemp("stack-var")), "EKINERJA_DB_PREFIX": f"stack{tag}_",
                "EKINERJA_VHOST": f"stack-{tag}", "EKINERJA_PORT_OFFSET": str(offset),
                "EKINERJA_GRPC_PORT_OFFSET": str(grpc_offset),
                # the stack, not the demo's history (minutes of seeding: tests/e2e/test_e2e_demo_seed.py)
                "EKINERJA_DEMO_HISTORY": "0"})
    run = subprocess.run([sys.executable, "scripts/devstack.py", "run"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    try:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        yield {"offset": offset, "grpc_offset": grpc_offset, "stdout": run.stdout, "env": env}
    finally:
        subprocess.run([sys.executable, "scripts/devstack.py", "stop"], cwd=ROOT, env=env, capture_output=True,
                       timeout=120)
        admin = sa.create_engine(testing.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for service in [*SERVICES, "portal", "sms", "gammu"]:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "stack{tag}_{service}" WITH (FORCE)'))
        admin.dispose()
        from ekinerja_platform import broker_users
        broker_users.deprovision(f"stack-{tag}-", vhost=f"stack-{tag}")  # the vhost and its per-service users


def test_every_service_is_serving_with_reflection(stack):
    for service, (grpc_port, _) in DEFAULT_PORTS.items():
        target = f"127.0.0.1:{grpc_port + stack['grpc_offset']}"
        assert testing.health_status(target) == "SERVING", service
        listed = subprocess.run([sys.executable, "-m", "ekinerja_cli", "--json", "grpc", "list", target],
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert any(name.startswith(f"ekinerja.{service}.v1.") for name in yaml.safe_load(listed.stdout)), service
    assert "admin" in stack["stdout"]  # the demo accounts are printed


def _catalogue():
    """tests/deploy/metrics_catalogue.py: the queries of the rules and dashboards, and the /metrics name reader."""
    spec = importlib.util.spec_from_file_location("ekinerja_stack_metrics_catalogue",
                                                  ROOT / "tests" / "deploy" / "metrics_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_and_dashboards_query_only_names_the_services_export(stack):
    """A rule or panel that queries a name no running service exports is a phantom: it can never fire or show
    anything (issue 20.1). The names come from the stack's own /metrics, not from a hand-written list."""
    catalogue = _catalogue()
    exported = set()
    ports = {service: http for service, (_, http) in DEFAULT_PORTS.items()}
    ports["portal"] = 8080
    ports["sms"] = 9106   # the SMS bridge (make run starts it with gammu-smsd on a dummy phone)
    for service, port in ports.items():
        response = requests.get(f"http://127.0.0.1:{port + stack['offset']}/metrics", timeout=10)
        assert response.status_code == 200, service
        names = catalogue.exported_names(response.text)
        assert not any("nip" in name for name in names), service
        exported |= names
    assert {"ekinerja_des_review_backlog", "ekinerja_des_activities_submitted_total",
            "ekinerja_recap_noncompliant"} <= exported
    known = exported | catalogue.EXTERNAL_METRICS | catalogue.recorded_names()
    phantoms = {}
    for where, expr in catalogue.all_queries():
        unknown = catalogue.metric_names(expr) - known
        if unknown:
            phantoms[where] = sorted(unknown)
    assert not phantoms, f"queried but exported by no running service: {phantoms}"


def test_second_run_does_no_harm(stack):
    again = subprocess.run([sys.executable, "scripts/devstack.py", "run"], cwd=ROOT, env=stack["env"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already running") == len(SERVICES)


def prometheus_config(stack, folder: Path) -> Path:
    """deploy/prometheus/prometheus.yml as shipped, with 1 s intervals and the ekinerja job's ports moved to the
    test stack's."""
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    config.setdefault("global", {})["scrape_interval"] = "1s"
    config["global"]["scrape_timeout"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [str((ROOT / "deploy/prometheus" / rule).resolve()) for rule in config.get("rule_files", [])]
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            rewritten = []
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                if job["job_name"] == "ekinerja":
                    port = str(int(port) + stack["offset"])
                rewritten.append(f"{host}:{port}")
            static["targets"] = rewritten
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextlib.contextmanager
def prometheus(config: Path, folder: Path):
    """Debian's prometheus on a free port with `config`; yields its API URL, stops it at the end."""
    port = testing.free_port()
    log = open(folder / "prometheus.log", "wb")
    process = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
                                f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
        assert process.poll() is None, (folder / "prometheus.log").read_text()[-2000:]
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def ekinerja_targets(api: str) -> list[dict]:
    try:
        data = requests.get(f"{api}/targets", timeout=2).json()["data"]["activeTargets"]
    except (requests.RequestException, ValueError, KeyError):
        return []
    return [t for t in data if t["labels"].get("job") == "ekinerja"]


def identity_checks_seen(api: str) -> float:
    query = 'sum(ekinerja_grpc_requests_total{service="identity",method="Check"})'
    result = requests.get(f"{api}/query", params={"query": query}, timeout=5).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


@pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian's prometheus is installed by `make test`")
def test_prometheus_scrapes_all_five_and_sees_requests(stack, tmp_path):
    with prometheus(prometheus_config(stack, tmp_path), tmp_path) as api:
        def all_up():
            targets = ekinerja_targets(api)
            return len(targets) == 5 and all(t["health"] == "up" for t in targets)

        assert testing.wait_for(all_up, timeout=60, interval=1), \
            (ekinerja_targets(api), (tmp_path / "prometheus.log").read_text()[-2000:])
        testing.wait_for(lambda: identity_checks_seen(api) > 0.0, timeout=20, interval=1)
        before = identity_checks_seen(api)
        for _ in range(3):
            testing.health_status(f"127.0.0.1:{DEFAULT_PORTS['identity'][0] + stack['grpc_offset']}")
        assert testing.wait_for(lambda: identity_checks_seen(api) >= before + 3, timeout=20, interval=1)


def test_a_newcomer_sends_an_sms_with_one_command(stack):
    """docs/sms.md: `python -m sms.dev.devphone kirim NUMBER TEXT` against `make run`'s gammu-smsd (dummy phone) and
    bridge; the demo guru's number is verified by identity's demo, so INFO is answered for the guru."""
    var = stack["env"]["EKINERJA_VAR_DIR"]
    prefix = stack["env"]["EKINERJA_DB_PREFIX"]
    env = {**stack["env"], "EKINERJA_SMS_DEV_GAMMU_DIR": f"{var}/gammu",
           "EKINERJA_SMS_GAMMU_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{prefix}gammu"}
    done = subprocess.run([sys.executable, "-m", "sms.dev.devphone", "kirim", "+6281200000001", "info"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "> info"
    assert done.stdout.splitlines()[1].startswith("< Hari ini: rencana"), done.stdout
