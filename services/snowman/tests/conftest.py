"""Fixtures of snowman's tests.

Integration tests use the real PostgreSQL (a throwaway database per module, migrated, so it holds the curated
knowledge base of knowledge/entries.yaml) and a real snowman process on a fresh RabbitMQ vhost. Nothing is faked:
the search runs in PostgreSQL with the `indonesian` configuration and pg_trgm.

Use-case unit tests (tests/unit/test_use_cases.py) run on the in-memory unit of work of `snowman_fakes.py`,
importable by absolute name from here.
"""
import sys
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="module")
def snowman_db():
    url = testing.migrated_database("snowman")
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="module")
def snowman_engine(snowman_db):
    engine = sa.create_engine(snowman_db)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def snowman_proc(snowman_db, amqp_uri, test_keys):
    process = testing.ServiceProcess("snowman", testing.service_env(snowman_db, amqp_uri, test_keys.jwks_url))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def stub(snowman_proc):
    from ekinerja.snowman.v1 import snowman_pb2_grpc
    channel = grpc.insecure_channel(snowman_proc.target)
    yield snowman_pb2_grpc.SnowmanServiceStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def tokens(test_keys):
    """Metadata for typical callers: employees of two job groups, experts, an admin, an operator."""
    def meta(subject, roles, **claims):
        return testing.bearer(test_keys.token(subject=subject, roles=roles, **claims))
    return {
        "guru": meta("198001012005011001", ["pegawai"], kelompok=["pendidik"]),
        "perawat": meta("198502022010012002", ["pegawai"], kelompok=["kesehatan"]),
        "staf": meta("199003032015031003", ["pegawai"], kelompok=["umum"]),
        "expert_kes_1": meta("197001012000011004", ["pegawai", "expert"], kelompok=["kesehatan"]),
        "expert_kes_2": meta("197102022000012005", ["pegawai", "expert"], kelompok=["kesehatan", "umum"]),
        "expert_pend": meta("197203032000011006", ["pegawai", "expert"], kelompok=["pendidik"]),
        "admin": meta("admin-bkn-1", ["admin_bkn"]),
        "operator": meta("operator-1", ["operator"]),
    }
