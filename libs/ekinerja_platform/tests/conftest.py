"""Fixtures for the platform's own tests: the probe service (generated from probe.proto) on a real database."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.db import platform_metadata

PROBE_DIR = Path(__file__).parent / "probe"


@pytest.fixture(scope="session")
def probe_gen(tmp_path_factory):
    """Generated code of probe.proto, importable by the tests and by the probe process."""
    out = tmp_path_factory.mktemp("probe_gen")
    protos = PROBE_DIR / "protos"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={out}",
                    f"--grpc_python_out={out}", str(protos / "ekinerja/probe/v1/probe.proto")], check=True)
    sys.path.insert(0, str(out))  # `ekinerja` is a namespace package: this extends it with ekinerja.probe
    return out


@pytest.fixture(scope="session")
def probe_db():
    url = testing.create_database("test_probe")
    engine = sa.create_engine(url)
    platform_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE applied (text text)"))
    engine.dispose()
    yield url
    testing.drop_database(url)


def probe_env(db_url, amqp_uri, jwks_url, probe_gen, **extra):
    env = testing.service_env(db_url, amqp_uri, jwks_url, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(PROBE_DIR), str(probe_gen), os.environ.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="session")
def make_probe_env(probe_gen):
    return lambda db_url, amqp_uri, jwks_url, **extra: probe_env(db_url, amqp_uri, jwks_url, probe_gen, **extra)


@pytest.fixture(scope="module")
def probe(probe_gen, probe_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("probe_main", probe_env(probe_db, amqp_uri, test_keys.jwks_url, probe_gen))
    process.start()
    yield process
    process.stop()
