"""The PostgreSQL series the alerts query (EkinerjaPostgresDown, EkinerjaPostgresConnectionsNearLimit) are really
exported by postgres_exporter (Debian's prometheus-postgres-exporter, the project the compose service runs),
started by the test against the machine's PostgreSQL, and the scrape configurations have a job for it."""
from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
EXPORTER = "prometheus-postgres-exporter"


@pytest.mark.parametrize("config,target", [("prometheus.yml", "127.0.0.1:9187"),
                                           ("prometheus.compose.yml", "postgres-exporter:9187")])
def test_scrape_configurations_have_a_postgres_job(config, target):
    jobs = {j["job_name"]: j for j in yaml.safe_load((DEPLOY / "prometheus" / config).read_text())["scrape_configs"]}
    assert [t for s in jobs["postgres"]["static_configs"] for t in s["targets"]] == [target]


def test_compose_runs_the_exporter_against_its_postgres():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    exporter = compose["services"]["postgres-exporter"]
    image, _, tag = exporter["image"].rpartition(":")
    assert "postgres-exporter" in image and tag and tag != "latest"
    assert "@postgres:5432/" in exporter["environment"]["DATA_SOURCE_NAME"]
    assert "postgres-exporter" in compose["services"]["prometheus"]["depends_on"]


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    from ekinerja_platform import testing
    if shutil.which(EXPORTER) is None:
        pytest.skip(f"{EXPORTER} is not installed (deploy/apt-packages.txt)")
    port = testing.free_port()
    url = testing.PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://") + "?sslmode=disable"
    env = {**os.environ, "DATA_SOURCE_NAME": url}
    log = open(tmp_path_factory.mktemp("pg-exporter") / "exporter.log", "wb")
    process = subprocess.Popen([EXPORTER, f"--web.listen-address=127.0.0.1:{port}"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        def metrics():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            except OSError:
                return None
        # the exporter answers before its first query succeeds (and a shared server may briefly refuse a
        # connection): wait for a scrape that reached PostgreSQL
        last = {}

        def connected():
            last["text"] = metrics()
            return last["text"] is not None and "pg_up 1" in last["text"].splitlines()

        testing.wait_for(connected, timeout=60, interval=0.5)  # returns either way: the test names what is missing
        yield last.get("text") or ""
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_queried_pg_series_are_exported(scraped, load):
    catalogue = load("ekinerja_deploy_metrics_catalogue", Path(__file__).with_name("metrics_catalogue.py"))
    exported = {line.split("{")[0].split(" ")[0] for line in scraped.splitlines() if line and not line[0] == "#"}
    queried = {name for name in catalogue.EXTERNAL_METRICS if name.startswith("pg_")}
    assert queried and queried <= exported, f"queried but not exported: {queried - exported}"
    assert "pg_up 1" in scraped.splitlines()
