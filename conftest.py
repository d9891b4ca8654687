"""Fixtures shared by every test suite: per-session RabbitMQ vhost, test signing keys, throwaway databases.

Integration tests use the machine's real PostgreSQL and RabbitMQ; nothing here fakes them.
"""
import pytest

from ekinerja_platform import testing


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
