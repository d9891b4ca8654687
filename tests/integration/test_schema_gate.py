"""A service refuses to start when its database schema is not at the code's alembic head (issue 20.8): it exits
non-zero with one English log line naming both revisions and the command that migrates; once migrated it starts."""
import os
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory

from ekinerja_platform import testing
from ekinerja_platform.migrate import alembic_config, code_heads, migrate

pytestmark = pytest.mark.integration
SERVICE = "skp"
MIGRATIONS = str(testing.REPO_ROOT / "services" / SERVICE / "migrations")


def code_head(url: str) -> str:
    [head] = code_heads(ScriptDirectory.from_config(alembic_config(url, MIGRATIONS)))
    return head


def previous_revision(url: str) -> str:
    script = ScriptDirectory.from_config(alembic_config(url, MIGRATIONS))
    return script.get_revision(code_head(url)).down_revision


def run_service(url: str, amqp_uri: str, test_keys) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(testing.service_env(url, amqp_uri, test_keys.jwks_url))
    env.update({"EKINERJA_GRPC_PORT": str(testing.free_port()), "EKINERJA_HTTP_PORT": str(testing.free_port()),
                "EKINERJA_BIND_HOST": "127.0.0.1"})
    return subprocess.run([sys.executable, "-m", SERVICE, "run"], env=env, capture_output=True, text=True,
                          timeout=60, cwd=testing.REPO_ROOT)


@pytest.fixture
def database():
    url = testing.create_database(f"test_{SERVICE}_gate")
    yield url
    testing.drop_database(url)


def test_a_database_at_an_older_revision_stops_the_service_with_the_fix(database, amqp_uri, test_keys):
    older, head = previous_revision(database), code_head(database)
    migrate(database, MIGRATIONS, revision=older)
    result = run_service(database, amqp_uri, test_keys)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    assert f"database schema is at revision {older} but the code expects {head}" in out, out[-3000:]
    assert f"python -m {SERVICE} migrate" in out
    assert "serving gRPC" not in out

    migrate(database, MIGRATIONS)  # what the message says to do; then the same service starts
    process = testing.ServiceProcess(SERVICE, testing.service_env(database, amqp_uri, test_keys.jwks_url))
    try:
        process.start()
        assert testing.health_status(process.target) == "SERVING"
    finally:
        process.stop()


def test_a_database_never_migrated_stops_the_service(database, amqp_uri, test_keys):
    result = run_service(database, amqp_uri, test_keys)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    assert f"database schema is at revision none (never migrated) but the code expects {code_head(database)}" in out


def test_the_portal_refuses_a_session_database_never_migrated(database):
    env = dict(os.environ, EKINERJA_DATABASE_URL=database, EKINERJA_NIP_HASH_KEY="test-gate",
               EKINERJA_PORTAL_SESSION_KEY="test-gate", EKINERJA_HTTP_PORT=str(testing.free_port()),
               EKINERJA_BIND_HOST="127.0.0.1")
    result = subprocess.run([sys.executable, "-m", "portal", "run"], env=env, capture_output=True, text=True,
                            timeout=60, cwd=testing.REPO_ROOT)
    out = result.stdout + result.stderr
    assert result.returncode == 3, out[-3000:]
    assert "portal: database schema is at revision none (never migrated) but the code expects" in out
    assert "python -m portal migrate" in out
