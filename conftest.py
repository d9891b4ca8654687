"""Fixtures shared by every test suite: per-session RabbitMQ vhost, test signing keys, throwaway databases.

Integration tests use the machine's real PostgreSQL and RabbitMQ; nothing here fakes them.
"""
import os

import pytest
from hypothesis import settings

from ekinerja_platform import testing

# Property tests check results, never speed (speed is `make bench`'s): no per-example deadline, which a loaded CI
# machine would break at random.
settings.register_profile("ekinerja", deadline=None)
settings.load_profile("ekinerja")


@pytest.fixture(scope="session")
def amqp_uri():
    uri = testing.create_vhost()
    yield uri
    testing.delete_vhost(uri)


@pytest.fixture(scope="session")
def test_keys(tmp_path_factory):
    return testing.TestKeys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def database_factory():
    """Call with a service name to get a freshly migrated database URL; dropped after the test."""
    made = []

    def make(service: str) -> str:
        url = testing.migrated_database(service)
        made.append(url)
        return url

    yield make
    for url in made:
        testing.drop_database(url)


@pytest.fixture
def frozen_clock():
    """Call with a UTC-aware datetime (and optionally a zone) to freeze the platform clock (`ekinerja_platform.clock`)
    for the rest of the test: every service's `today()`/`now()` answers from it."""
    import contextlib

    from ekinerja_platform import clock

    with contextlib.ExitStack() as stack:
        yield lambda at, zone=None: stack.enter_context(clock.frozen(at, zone))


@pytest.fixture
def settings_env(monkeypatch):
    """Call with a dict of variables: afterwards only those EKINERJA_* variables are set (nothing from the
    developer's shell or another test); returns monkeypatch for further changes."""
    def use(variables: dict):
        for name in list(os.environ):
            if name.startswith("EKINERJA_"):
                monkeypatch.delenv(name)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return monkeypatch
    return use
