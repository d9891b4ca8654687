"""deploy/postgres/init-databases.sh, run for real against the machine's PostgreSQL under scratch names.

The script is what the postgres container runs on its first start; here it runs with EKINERJA_DB_PREFIX so its
roles and databases cannot collide with anything else, and they are dropped afterwards.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "init-databases.sh"
SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal", "sms", "gammu")
PG = {"PGHOST": os.environ.get("PGHOST", "127.0.0.1"), "PGPORT": os.environ.get("PGPORT", "5432"),
      "POSTGRES_USER": os.environ.get("EKINERJA_TEST_PG_SUPERUSER", "postgres")}


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", PG["POSTGRES_USER"], "-d", database,
                             "-c", sql], capture_output=True, text=True, timeout=60, env={**os.environ, **PG})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def postgres():
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    probe = subprocess.run(["psql", "-X", "-At", "-U", PG["POSTGRES_USER"], "-d", "postgres", "-c", "select 1"],
                           capture_output=True, text=True, timeout=30, env={**os.environ, **PG})
    if probe.returncode != 0:
        pytest.skip(f"no PostgreSQL superuser connection: {probe.stderr.strip()}")


def test_script_syntax():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, timeout=30).returncode == 0
    assert os.access(SCRIPT, os.X_OK), "docker-entrypoint-initdb.d runs executable scripts in a fresh shell"


def test_creates_one_owned_database_per_service_idempotently(postgres):
    prefix = f"deploytest_{secrets.token_hex(4)}_"
    passwords = {f"{svc.upper()}_DB_PASSWORD": secrets.token_hex(12) + "'\"" for svc in SERVICES}
    env = {**os.environ, **PG, **passwords, "EKINERJA_DB_PREFIX": prefix}
    try:
        for _ in range(2):  # a second run changes nothing and does not fail
            result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=120, env=env)
            assert result.returncode == 0, result.stdout + result.stderr
        for svc in SERVICES:
            name = prefix + svc
            owner = psql(f"select pg_get_userbyid(datdba) from pg_database where datname = '{name}'")
            assert owner == name
            assert psql(f"select rolcanlogin and not rolsuper and rolpassword is not null from pg_authid "
                        f"where rolname = '{name}'") == "t"
            assert psql("select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'public'", name) == name
            acl = psql(f"select coalesce(datacl::text, '') from pg_database where datname = '{name}'")
            assert "=Tc/" not in acl and not acl.startswith("{=c"), f"PUBLIC still has access: {acl}"
    finally:
        for svc in SERVICES:
            name = prefix + svc
            psql(f'drop database if exists "{name}"')
            psql(f'drop role if exists "{name}"')


def test_a_missing_password_stops_the_script(postgres):
    env = {**os.environ, **PG, "EKINERJA_DB_PREFIX": f"deploytest_{secrets.token_hex(4)}_"}
    for svc in SERVICES:
        env.pop(f"{svc.upper()}_DB_PASSWORD", None)
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode != 0 and "IDENTITY_DB_PASSWORD" in result.stderr
