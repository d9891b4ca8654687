"""Fixtures for the platform's own tests: the probe service (generated from probe.proto) on a real database."""
import sys
from pathlib import Path

import pytest

from ekinerja_platform import testing

sys.path.insert(0, str(Path(__file__).parent / "probe"))
import probe_events  # noqa: E402,F401  (registers the probe's payload definition, ekinerja_events)
import probe_support  # noqa: E402


@pytest.fixture(scope="session")
def probe_gen(tmp_path_factory):
    return probe_support.generate(tmp_path_factory.mktemp("probe_gen"))


@pytest.fixture(scope="session")
def probe_db():
    url = probe_support.create_database()
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def make_probe_env(probe_gen):
    return lambda db_url, amqp_uri, jwks_url, **extra: probe_support.env(db_url, amqp_uri, jwks_url, probe_gen,
                                                                          **extra)


@pytest.fixture(scope="module")
def probe(make_probe_env, probe_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("probe_main", make_probe_env(probe_db, amqp_uri, test_keys.jwks_url))
    process.start()
    yield process
    process.stop()
